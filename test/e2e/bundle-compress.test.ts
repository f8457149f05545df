// BUNDLE --compress: the same BUNDLE with and without it, built for real; the packed bundle passes
// its --test, runs its traced and untraced uses, is smaller, and leaves the loader, libraries,
// non-ELF files and what upx refuses byte for byte as they were.
import { createHash } from "node:crypto";
import { lstatSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { docker, dockerOk, requireFrontendImage } from "./docker.js";

// chage is a setgid ELF executable, which upx refuses to pack; jq-link a hard link to jq.
const FLAGS = `--include=/usr/bin/chage --include=/usr/local/bin/jq-link \\
       --trace="jq -n '[1,2]|add'" --trace="python3 -c 'import json; print(json.dumps([1]))'" \\
       --test="jq -n '[1,2]|add' | python3 -c 'import sys, json; print(json.dumps([int(sys.stdin.read()) * 2]))'" --test-stdout="[6]" \\
       /usr/bin/jq /usr/bin/python3`;
const DOCKERFILE = `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends jq python3 && rm -rf /var/lib/apt/lists/*
RUN ln /usr/bin/jq /usr/local/bin/jq-link

FROM scratch AS plain
BUNDLE --from=build ${FLAGS}

FROM scratch AS packed
BUNDLE --from=build --compress ${FLAGS}
`;

interface ManifestPath {
  path: string;
  type: string;
  size?: number;
  sha256?: string;
  compressed?: { tool: string; size: number; sha256: string };
}

interface Built {
  out: string;
  image: string;
  size: number;
  stderr: string;
  manifest: Map<string, ManifestPath>;
}

let dir: string;
let plain: Built;
let packed: Built;

async function build(target: string, out: string, extra: string[] = []): Promise<Built> {
  const local = await dockerOk(["buildx", "build", "--progress=plain", "--target", target, ...extra, "--output", `type=local,dest=${out}`, dir]);
  const image = (await dockerOk(["buildx", "build", "--quiet", "--target", target, dir])).stdout.trim();
  const size = Number((await dockerOk(["image", "inspect", "--format", "{{.Size}}", image])).stdout);
  const doc = JSON.parse(readFileSync(join(out, ".sidebundle/manifest.lock"), "utf8")) as { paths: ManifestPath[] };
  return { out, image, size, stderr: local.stderr, manifest: new Map(doc.paths.map((p) => [p.path, p])) };
}

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

const run = (b: Built, program: string, args: string[], opts: { input?: string; env?: string[] } = {}) =>
  docker(["run", "--rm", "-i", ...(opts.env ?? []).flatMap((e) => ["-e", e]), "--entrypoint", program, b.image, ...args], { input: opts.input });

beforeAll(async () => {
  await requireFrontendImage();
  dir = mkdtempSync(join(tmpdir(), "sb-compress-"));
  writeFileSync(join(dir, "Dockerfile"), DOCKERFILE);
  plain = await build("plain", join(dir, "plain"));
  packed = await build("packed", join(dir, "packed"));
});

describe("BUNDLE --compress", () => {
  it("runs upx as a step of its own and passes the bundle's --test", () => {
    expect(packed.stderr).toMatch(/\[sidebundle 4\/6\] compress: upx\n/);
    expect(packed.stderr).toMatch(/\[sidebundle 6\/6\] test: jq -n/);
    expect(plain.stderr).not.toMatch(/compress: upx/);
  });

  it("the traced uses and untraced ones (another filter, a time zone, a module never imported) run packed", async () => {
    expect((await run(packed, "/usr/bin/jq", ["-n", "[1,2]|add"])).stdout).toBe("3\n");
    expect((await run(packed, "/usr/bin/python3", ["-c", "import json; print(json.dumps([1]))"])).stdout).toBe("[1]\n");
    const upper = await run(packed, "/usr/bin/jq", ["-r", ".a | ascii_upcase"], { input: '{"a": "packed"}' });
    expect(upper).toMatchObject({ code: 0, stdout: "PACKED\n" });
    const tokyo = await run(packed, "/usr/bin/jq", ["-n", "-r", '0 | localtime | strftime("%H:%M %Z")'], { env: ["TZ=Asia/Tokyo"] });
    expect(tokyo).toMatchObject({ code: 0, stdout: "09:00 JST\n" });
    const csv = await run(packed, "/usr/bin/python3", ["-c", "import csv, sys; csv.writer(sys.stdout).writerow(['a b', 1])"]);
    expect(csv).toMatchObject({ code: 0, stdout: "a b,1\r\n" });
  });

  it("packs the executables: the files and the image are smaller", () => {
    for (const path of ["/usr/bin/jq", "/usr/bin/python3.11"]) {
      const [before, after] = [statSync(join(plain.out, path)).size, statSync(join(packed.out, path)).size];
      expect(after, path).toBeLessThan(before * 0.6);
    }
    // python3.11 alone is 6.8 MB, packed about 2.5 MB.
    expect(plain.size - packed.size).toBeGreaterThan(3_000_000);
  });

  it("the manifest has the packed bytes' size and sha256, and the source's under compressed", () => {
    for (const path of ["/usr/bin/jq", "/usr/bin/python3.11"]) {
      const entry = packed.manifest.get(path)!;
      expect(entry.sha256).toBe(sha256(join(packed.out, path)));
      expect(entry.size).toBe(statSync(join(packed.out, path)).size);
      expect(entry.compressed).toEqual({ tool: "upx", size: statSync(join(plain.out, path)).size, sha256: sha256(join(plain.out, path)) });
    }
  });

  it("leaves the loader, libraries, non-ELF files and what upx refuses as they are", () => {
    // The loader (/lib64/ld-linux-x86-64.so.2 ends here), libc (which has an interpreter: it runs), libjq.
    const lib = "/usr/lib/x86_64-linux-gnu";
    const untouched = [`${lib}/ld-linux-x86-64.so.2`, `${lib}/libc.so.6`, `${lib}/libjq.so.1.0.4`, "/usr/lib/python3.11/os.py", "/usr/bin/chage"];
    for (const path of untouched) {
      expect(lstatSync(join(plain.out, path)).isFile(), path).toBe(true);
      expect(sha256(join(packed.out, path)), path).toBe(sha256(join(plain.out, path)));
      expect(packed.manifest.get(path)?.compressed, path).toBeUndefined();
    }
    // Executables only (the traces may also keep the shell that ran them, /usr/bin/dash).
    const packedPaths = [...packed.manifest.values()].filter((p) => p.compressed).map((p) => p.path);
    expect(packedPaths).toEqual(expect.arrayContaining(["/usr/bin/jq", "/usr/bin/python3.11", "/usr/local/bin/jq-link"]));
    for (const path of packedPaths) expect(path).toMatch(/^\/usr\/(local\/)?bin\/[^/]+$/);
    expect(packed.stderr).toContain("BUNDLE: --compress: upx did not pack /usr/bin/chage, which is bundled as it is (IOException: file has special permissions -- skipped)");
    expect(statSync(join(packed.out, "/usr/bin/chage")).mode & 0o7777).toBe(0o2755);
  });

  it("packs every name of a hard link", () => {
    expect(sha256(join(packed.out, "/usr/local/bin/jq-link"))).toBe(sha256(join(packed.out, "/usr/bin/jq")));
    expect(packed.manifest.get("/usr/local/bin/jq-link")).toMatchObject({ sha256: packed.manifest.get("/usr/bin/jq")!.sha256, compressed: packed.manifest.get("/usr/bin/jq")!.compressed });
  });

  it("keeps the source's times on packed files and their directories", () => {
    for (const path of ["/usr/bin/jq", "/usr/bin/python3.11", "/usr/bin", "/usr/lib/python3.11"]) {
      expect(statSync(join(packed.out, path)).mtimeMs, path).toBe(statSync(join(plain.out, path)).mtimeMs);
    }
  });

  it("is reproducible: the BUNDLE run again gives the same bytes", async () => {
    const again = await build("packed", join(dir, "again"), ["--no-cache-filter", "packed"]);
    expect(again.stderr).toMatch(/\[sidebundle 4\/6\] compress: upx\n(?!#\d+ CACHED)/);
    // The traces run again too (their reasons may differ): the packed bytes are compared.
    for (const path of ["/usr/bin/jq", "/usr/bin/python3.11"]) {
      expect(sha256(join(again.out, path)), path).toBe(sha256(join(packed.out, path)));
      const { reasons: _, ...entry } = again.manifest.get(path) as ManifestPath & { reasons: string[] };
      expect(packed.manifest.get(path), path).toMatchObject(entry);
    }
  });
});
