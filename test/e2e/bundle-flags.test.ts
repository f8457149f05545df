// BUNDLE's flags, checked on the files and config of a real build.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { docker, dockerOk, requireFrontendImage, tarEntries, type TarEntry } from "./docker.js";

const DOCKERFILE = `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build
ENV FROM_SOURCE=1
RUN mkdir -p /data /srv && echo keep > /data/keep.txt && echo drop > /data/drop.txt && echo traced > /srv/traced.txt

FROM scratch
BUNDLE --from=build --env=none --mkdir=/var/empty:700 --install-to=/bin \\
       --include='/data/*' --exclude=/data/drop.txt \\
       --trace-stdin="b a c" --trace="tr ' ' '\\n' | sort" \\
       --trace-env=INPUT=traced.txt --trace-workdir=/srv --trace='sort "$INPUT"' \\
       --test="sort" --test-stdin="b a" --test-stdout="b a" \\
       /usr/bin/sort
`;

let entries: TarEntry[];
let env: string[];
let manifestText: string;
let manifest: { paths: { path: string; type: string; reasons: string[]; sha256?: string }[] };

beforeAll(async () => {
  await requireFrontendImage();
  const dir = mkdtempSync(join(tmpdir(), "sb-flags-"));
  writeFileSync(join(dir, "Dockerfile"), DOCKERFILE);
  const out = join(dir, "out");
  await dockerOk(["buildx", "build", "--output", `type=local,dest=${out}`, dir]);
  const tar = join(dir, "out.tar");
  await dockerOk(["buildx", "build", "--output", `type=tar,dest=${tar}`, dir]);
  entries = await tarEntries(tar);
  manifestText = readFileSync(join(out, ".sidebundle/manifest.lock"), "utf8");
  manifest = JSON.parse(manifestText);
  const id = (await dockerOk(["buildx", "build", "--quiet", dir])).stdout.trim();
  env = JSON.parse((await dockerOk(["image", "inspect", "--format", "{{json .Config.Env}}", id])).stdout) ?? [];
});

const names = () => entries.map((e) => e.name.replace(/\/$/, ""));
const entry = (name: string) => entries.find((e) => e.name.replace(/\/$/, "") === name);

describe("BUNDLE flags", () => {
  it("bundles the entry and what the trace of its own process saw, not the wrapper's tools", () => {
    expect(names()).toContain("usr/bin/sort");
    expect(names()).not.toContain("usr/bin/tr");
    const sort = manifest.paths.find((p) => p.path === "/usr/bin/sort")!;
    expect(sort.reasons).toContain("entry");
    expect(sort.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("--trace-env and --trace-workdir: the traced file, found relative to the workdir", () => {
    expect(names()).toContain("srv/traced.txt");
  });

  it("--include and --exclude", () => {
    expect(names()).toContain("data/keep.txt");
    expect(names()).not.toContain("data/drop.txt");
  });

  it("--mkdir with a mode", () => {
    expect(entry("var/empty")).toMatchObject({ type: "directory", mode: 0o700 });
  });

  it("--install-to", () => {
    expect(entry("bin/sort")?.sha256).toBe(entry("usr/bin/sort")?.sha256);
  });

  it("--env=none leaves the source's ENV behind", () => {
    expect(env.some((e) => e.startsWith("FROM_SOURCE="))).toBe(false);
  });

  it("writes no process ids into the manifest: the traces' reasons name programs", () => {
    expect(manifest.paths.find((p) => p.path === "/srv/traced.txt")?.reasons).toContain("trace: openat by /usr/bin/sort");
    expect(manifestText).not.toMatch(/\bpid\b/);
  });

  it("writes the manifest sorted, every copied file in it", () => {
    const paths = manifest.paths.map((p) => p.path);
    expect(paths).toEqual([...paths].sort());
    for (const e of entries) {
      const path = "/" + e.name.replace(/\/$/, "");
      if (e.type === "file" && !path.startsWith("/.sidebundle") && path !== "/bin/sort") expect(paths).toContain(path);
    }
  });
});

describe("BUNDLE --from=<image>", () => {
  it("bundles from an image resolved by BuildKit, not a stage", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-image-"));
    writeFileSync(join(dir, "Dockerfile"), `# syntax=sidebundle/frontend\nFROM scratch\nBUNDLE --from=debian:bookworm-slim --trace="sort --version" sort\nENTRYPOINT ["/usr/bin/sort"]\n`);
    const id = (await dockerOk(["buildx", "build", "--quiet", dir])).stdout.trim();
    const run = await docker(["run", "--rm", "-i", "--network", "none", id], { input: "b\nc\na\n" });
    expect(run).toEqual({ code: 0, stdout: "a\nb\nc\n", stderr: "" });
  });
});

describe("BUNDLE --test in shell form", () => {
  const jq = (test: string) => `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends jq

FROM scratch
BUNDLE --from=build --trace="jq --version" ${test} /usr/bin/jq /usr/bin/grep
ENTRYPOINT ["/usr/bin/jq"]
`;
  const build = async (dockerfile: string, args: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), "sb-shell-test-"));
    writeFileSync(join(dir, "Dockerfile"), dockerfile);
    return docker(["buildx", "build", "--progress=plain", ...args, dir]);
  };

  it("runs pipes and && through a shell the frontend supplies, in a bundle that has none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-shell-out-"));
    const tests = `--test="jq --version | grep -q 1.6" --test='echo "{\\"a\\":2}" | jq -e ".a == 2" && test -x /usr/bin/grep'`;
    const run = await build(jq(tests), ["--output", `type=tar,dest=${join(dir, "out.tar")}`]);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const names = (await tarEntries(join(dir, "out.tar"))).map((e) => e.name.replace(/\/$/, ""));
    expect(names).toContain("usr/bin/jq");
    expect(names.filter((n) => /(^|\/)(sh|dash|bash|mksh)$|sidebundle-tools/.test(n))).toEqual([]);
  });

  it("fails when the pipeline fails, as RUN would", async () => {
    const run = await build(jq(`--test="jq --version | grep -q 9.9"`), []);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('ERROR: failed to solve: BUNDLE: --test "jq --version | grep -q 9.9" exited with status 1\n');
  });

  it("leaves an image whose program runs without the tests' shell", async () => {
    const iid = join(mkdtempSync(join(tmpdir(), "sb-shell-iid-")), "iid");
    const run = await build(jq(`--test="jq --version | grep -q 1.6"`), ["--iidfile", iid]);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const id = readFileSync(iid, "utf8").trim();
    const filter = await docker(["run", "--rm", "-i", "--network", "none", id, "-c", ".a"], { input: '{"a":[1,"x"]}' });
    expect(filter).toEqual({ code: 0, stdout: '[1,"x"]\n', stderr: "" });
    const shell = await docker(["run", "--rm", "--entrypoint", "/bin/sh", id, "-c", "true"]);
    expect(shell.code).not.toBe(0);
  });
});
