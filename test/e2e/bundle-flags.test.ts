// BUNDLE's flags, checked on the files and config of a real build.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { docker, dockerOk, requireFrontendImage, runProgram, tarEntries, type TarEntry } from "./docker.js";

const DOCKERFILE = `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build
ENV FROM_SOURCE=1
RUN mkdir -p /data/sub/deep /data/drop /srv && echo keep > /data/keep.txt && echo deep > /data/sub/deep/deep.txt && echo drop > /data/drop.txt && echo drop > /data/drop/x.txt && echo traced > /srv/traced.txt && ln -s ../../bin/sort /usr/local/bin/ordered

FROM scratch
BUNDLE --from=build --env=none --mkdir=/var/empty:700 --install-to=/bin \\
       --include=/data --exclude=/data/drop.txt --exclude=/data/drop \\
       --trace-stdin="b a c" --trace="tr ' ' '\\n' | sort" \\
       --trace-env=INPUT=traced.txt --trace-workdir=/srv --trace='sort "$INPUT"' \\
       --test="sort" --test-stdin="b a" --test-stdout="b a" \\
       /usr/bin/sort ordered
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

  it("--include and --exclude of a directory: its whole tree", () => {
    expect(names()).toEqual(expect.arrayContaining(["data/keep.txt", "data/sub/deep/deep.txt"]));
    expect(names().filter((n) => n.startsWith("data/drop"))).toEqual([]);
  });

  it("--mkdir with a mode", () => {
    expect(entry("var/empty")).toMatchObject({ type: "directory", mode: 0o700 });
  });

  it("--install-to: each entry under its own name, not the name of the file it links to", () => {
    expect(entry("bin/sort")?.sha256).toBe(entry("usr/bin/sort")?.sha256);
    expect(entry("bin/ordered")).toMatchObject({ type: "file", sha256: entry("usr/bin/sort")?.sha256 });
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
      if (e.type === "file" && !path.startsWith("/.sidebundle") && !["/bin/sort", "/bin/ordered"].includes(path)) expect(paths).toContain(path);
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

describe("BUNDLE: file names that are not UTF-8", () => {
  // café in Latin-1 (0xe9) and a name with 0xff: bytes the tracer escapes as \udcXX.
  const dockerfile = (flags: string) => `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build
RUN mkdir -p "/data/d$(printf '\\351')r" && printf 'latin-1\\n' > "/data/caf$(printf '\\351').txt" \\
 && printf 'tree\\n' > "/data/d$(printf '\\351')r/x$(printf '\\377').txt"
FROM scratch
BUNDLE --from=build ${flags} --trace="cat /data/caf*.txt" --include="/data/d*r" /usr/bin/cat
`;
  const traced = Buffer.from("/data/caf\xe9.txt", "latin1");
  const included = Buffer.from("/data/d\xe9r/x\xff.txt", "latin1");

  it.each([
    ["rootfs", "", ""],
    ["portable", "--layout=portable", "payload"],
  ])("arrive in a %s bundle with their bytes, listed in the manifest", async (_layout, flags, payload) => {
    const dir = mkdtempSync(join(tmpdir(), "sb-names-"));
    writeFileSync(join(dir, "Dockerfile"), dockerfile(flags));
    const out = join(dir, "out");
    const build = await dockerOk(["buildx", "build", "--progress=plain", "--output", `type=local,dest=${out}`, dir]);
    expect(build.stderr).not.toMatch(/warning/i);
    const root = Buffer.from(join(out, payload));
    expect(readFileSync(Buffer.concat([root, traced]), "utf8")).toBe("latin-1\n");
    expect(readFileSync(Buffer.concat([root, included]), "utf8")).toBe("tree\n");
    const manifestFile = payload ? join(out, "manifest.lock") : join(out, ".sidebundle/manifest.lock");
    const listed = (JSON.parse(readFileSync(manifestFile, "utf8")) as typeof manifest).paths.map((p) => p.path);
    expect(listed).toEqual(expect.arrayContaining(["/data/caf\udce9.txt", "/data/d\udce9r", "/data/d\udce9r/x\udcff.txt"]));
  });
});

describe("BUNDLE: a file over 2 GiB", () => {
  it("is hashed and copied whole", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-big-"));
    // Sparse in the build stage: 2.1 GiB, zeros but for a few bytes at each end.
    const dockerfile = `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build
RUN mkdir /models && echo head > /models/weights.bin && truncate -s 2254857825 /models/weights.bin && echo tail >> /models/weights.bin
FROM scratch
BUNDLE --from=build --include=/models --trace="tail -c 5 /models/weights.bin" /usr/bin/tail
`;
    writeFileSync(join(dir, "Dockerfile"), dockerfile);
    const out = join(dir, "out");
    try {
      await dockerOk(["buildx", "build", "--output", `type=local,dest=${out}`, dir]);
      const listed = (JSON.parse(readFileSync(join(out, ".sidebundle/manifest.lock"), "utf8")) as typeof manifest).paths;
      const file = join(out, "models/weights.bin");
      expect(statSync(file).size).toBe(2254857830);
      const sum = (await runProgram("sha256sum", [file], { env: process.env })).stdout.split(" ")[0];
      expect(listed.find((p) => p.path === "/models/weights.bin")).toMatchObject({ size: 2254857830, sha256: sum });
      // The bundle, with its own loader and libraries (chroot), reads the end of the file as traced,
      // and runs untraced.
      const tail = (args: string[]) => runProgram("/usr/sbin/chroot", [out, "/usr/bin/tail", ...args], { env: { PATH: "/usr/bin" } });
      expect(await tail(["-c", "5", "/models/weights.bin"])).toMatchObject({ code: 0, stdout: "tail\n" });
      expect(await tail(["--version"])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^tail \(GNU coreutils\)/) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
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
