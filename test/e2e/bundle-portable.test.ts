// --layout=portable, exported with --output type=local: the launchers run the bundled programs
// on this host, from another directory, and in a container with no glibc at all (a static
// busybox only), printing what the fat stage prints; children do not inherit a library path.
import { cpSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { docker, dockerOk, requireFrontendImage, runProgram, type Run } from "./docker.js";

const EXAMPLE = join(import.meta.dirname, "../../examples/portable");
const FAT = "sidebundle-e2e/portable:fat";
const GLIBCLESS = "sidebundle-e2e/portable:busybox";

interface Case {
  name: string;
  entry: string;
  args: string[];
  stdin?: string;
}

const cases: Case[] = [
  { name: "jq", entry: "jq", args: ["-c", "[.[] | . * 2]"], stdin: "[1,2,3]" },
  { name: "python3 finds its standard library in the bundle", entry: "python3", args: ["-c", "import json, decimal; print(json.dumps(str(decimal.Decimal(2) / 3)))"] },
  { name: "a shell script calling bundled tools", entry: "wordfreq", args: [], stdin: "the cat and the dog and the end\n" },
];

let out: string;

function run(file: string, args: string[], input = "", cwd = "/"): Promise<Run> {
  return runProgram(file, args, { cwd, input, env: { PATH: "/usr/bin:/bin" } });
}

async function fat(c: Case): Promise<Run> {
  return docker(["run", "--rm", "-i", "--network", "none", "--entrypoint", c.entry, FAT, ...c.args], { input: c.stdin });
}

beforeAll(async () => {
  await requireFrontendImage();
  out = join(mkdtempSync(join(tmpdir(), "sb-portable-")), "bundle");
  await dockerOk(["buildx", "build", "--output", `type=local,dest=${out}`, EXAMPLE]);
  await dockerOk(["buildx", "build", "--quiet", "--target", "build", "--tag", FAT, EXAMPLE]);
  // A root with no glibc and no loader: only a static busybox, and the bundle.
  const context = mkdtempSync(join(tmpdir(), "sb-glibcless-"));
  cpSync("/bin/busybox", join(context, "busybox"));
  cpSync(out, join(context, "bundle"), { recursive: true, verbatimSymlinks: true });
  const dockerfile = "FROM scratch\nCOPY busybox /bin/busybox\nCOPY bundle /opt/bundle\nENTRYPOINT [\"/bin/busybox\"]\n";
  await dockerOk(["buildx", "build", "--quiet", "--tag", GLIBCLESS, "-f", "-", context], { input: dockerfile });
});

describe("portable bundle layout", () => {
  it("has launchers, a payload, a content store of hard links and a manifest", () => {
    expect(statSync(join(out, "bin/jq")).mode & 0o111).not.toBe(0);
    const jq = statSync(join(out, "payload/usr/bin/jq"));
    expect(jq.nlink).toBeGreaterThanOrEqual(2);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.lock"), "utf8"));
    const entry = manifest.paths.find((p: { path: string }) => p.path === "/usr/bin/jq");
    expect(statSync(join(out, "data", entry.sha256)).ino).toBe(jq.ino);
  });
});

describe.each(cases)("portable: $name", (c) => {
  it("runs on the host like the fat stage", async () => {
    const expected = await fat(c);
    expect(expected.code).toBe(0);
    expect(await run(join(out, "bin", c.entry), c.args, c.stdin)).toMatchObject({ code: 0, stdout: expected.stdout });
  });

  it("runs after being copied elsewhere, from another directory", async () => {
    const moved = join(mkdtempSync(join(tmpdir(), "sb-moved-")), "renamed");
    cpSync(out, moved, { recursive: true, verbatimSymlinks: true });
    const expected = await fat(c);
    expect(await run(join(moved, "bin", c.entry), c.args, c.stdin, tmpdir())).toMatchObject({ code: 0, stdout: expected.stdout });
  });

  it("runs in a container with no glibc", async () => {
    const expected = await fat(c);
    const actual = await docker(["run", "--rm", "-i", "--network", "none", "--entrypoint", `/opt/bundle/bin/${c.entry}`, GLIBCLESS, ...c.args], { input: c.stdin });
    expect({ code: actual.code, stdout: actual.stdout }).toEqual({ code: 0, stdout: expected.stdout });
  });
});

describe("portable: times", () => {
  const PY = "/usr/lib/python3.11/json/__init__.py";
  const fatTime = async (path: string) => {
    const run = await docker(["run", "--rm", "--network", "none", "--entrypoint", "python3", FAT, "-c", `import os; print(os.lstat("${path}").st_mtime_ns)`]);
    return BigInt(run.stdout.trim());
  };

  it("payload files keep the source's times: Python uses the bundled .pyc files", async () => {
    expect(statSync(join(out, "payload", PY), { bigint: true }).mtimeNs).toBe(await fatTime(PY));
    const run = await runProgram(join(out, "bin/python3"), ["-v", "-c", "import json, decimal"], { env: { PATH: "/usr/bin:/bin" } });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/json\/__pycache__\/__init__\.cpython-311\.pyc matches /);
    expect(run.stderr).not.toMatch(/bytecode is stale/);
  });

  it("with SOURCE_DATE_EPOCH, later times become it and the store's hard links stay", async () => {
    // In an image: the local exporter itself dates every file SOURCE_DATE_EPOCH.
    const epoch = 1_700_000_000n * 1_000_000_000n;
    // The bundle's steps run: BuildKit's cache compares contents, not times.
    const build = ["buildx", "build", "--quiet", "--no-cache-filter=stage-1", "--build-arg", "SOURCE_DATE_EPOCH=1700000000", EXAMPLE];
    const id = (await dockerOk(build)).stdout.trim();
    const manifest = JSON.parse(readFileSync(join(out, "manifest.lock"), "utf8"));
    const sha = manifest.paths.find((p: { path: string }) => p.path === "/usr/local/bin/wordfreq").sha256;
    const paths = ["/payload/usr/local/bin/wordfreq", `/data/${sha}`, "/payload/usr/bin/python3", "/payload/usr/lib/python3.11"];
    const script = "import json, os, sys; print(json.dumps([[str(s.st_mtime_ns), s.st_ino, s.st_nlink] for s in map(os.lstat, sys.argv[1:])]))";
    const stats = await docker(["run", "--rm", "--network", "none", "--entrypoint", "/bin/python3", id, "-c", script, ...paths]);
    const [wordfreq, data, python, lib] = (JSON.parse(stats.stdout) as [string, number, number][]).map(([t, ino, nlink]) => ({ time: BigInt(t), ino, nlink }));
    expect(wordfreq).toEqual({ time: epoch, ino: data.ino, nlink: 2 });
    expect(lib.time).toBe(epoch);
    const source = await fatTime("/usr/bin/python3");
    expect(source).toBeLessThan(epoch);
    expect(python.time).toBe(source);
  });
});

describe("portable: children", () => {
  it("do not inherit the bundle's library path, and find the bundle's tools first", async () => {
    const env = await run(join(out, "bin/showenv"), []);
    expect(env.code).toBe(0);
    expect(env.stdout).not.toMatch(/^LD_LIBRARY_PATH=/m);
    expect(env.stdout).toMatch(new RegExp(`^PATH=${out}/bin:`, "m"));
    // A host program started by a bundled program runs with the host's own libraries: none of
    // what it maps comes from the bundle (a leaked library path would map the bundle's libc).
    const host = await run(join(out, "bin/env"), ["/bin/cat", "/proc/self/maps"]);
    expect(host.code).toBe(0);
    const mapped = [...new Set(host.stdout.split("\n").map((line) => line.split(/\s+/)[5] ?? "").filter((p) => p.startsWith("/")))];
    expect(mapped).toContain("/usr/bin/cat");
    expect(mapped.some((p) => /\/libc\.so\.6$/.test(p))).toBe(true);
    expect(mapped.filter((p) => p.startsWith(realpathSync(out)))).toEqual([]);
  });
});

describe("portable: inside an image", () => {
  it("--prefix puts the bundle in a directory of the image, and Java finds its home there", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-prefix-"));
    const dockerfile = [
      "# syntax=sidebundle/frontend",
      "FROM debian:bookworm-slim AS build",
      "RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless",
      "FROM scratch",
      'BUNDLE --from=build --layout=portable --prefix=/opt/java --trace="java -XshowSettings:properties -version" /usr/bin/java',
      'ENTRYPOINT ["/opt/java/bin/java"]',
      "",
    ].join("\n");
    writeFileSync(join(dir, "Dockerfile"), dockerfile);
    const id = (await dockerOk(["buildx", "build", "--quiet", dir])).stdout.trim();
    const run = await docker(["run", "--rm", "--network", "none", id, "-XshowSettings:properties", "-version"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/java\.home = \/opt\/java\/payload\/usr\/lib\/jvm\/java-17-openjdk-amd64/);
    expect(run.stderr).toMatch(/OpenJDK Runtime Environment/);
  });
});

/** Every path below `dir` (files, links and directories), relative to it, with a leading slash. */
function walk(dir: string, at = ""): string[] {
  return readdirSync(join(dir, at)).flatMap((name) => {
    const path = `${at}/${name}`;
    return lstatSync(join(dir, path)).isDirectory() ? [path, ...walk(dir, path)] : [path];
  });
}

describe("portable: links and owners", () => {
  it("keeps absolute links to directories as links inside the bundle, every payload path in the manifest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-portable-links-"));
    const dockerfile = [
      "# syntax=sidebundle/frontend",
      "FROM debian:bookworm-slim AS build",
      "RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates",
      // Two files with the same content and different owners share no data file.
      "RUN echo same > /srv/a && echo same > /srv/b && chown 1000:1000 /srv/b",
      "FROM scratch",
      "BUNDLE --from=build --layout=portable --include=/srv/a --include=/srv/b /usr/bin/curl",
      "",
    ].join("\n");
    writeFileSync(join(dir, "Dockerfile"), dockerfile);
    const bundle = join(dir, "out");
    await dockerOk(["buildx", "build", "--output", `type=local,dest=${bundle}`, dir]);
    const payload = join(bundle, "payload");
    const manifest = JSON.parse(readFileSync(join(bundle, "manifest.lock"), "utf8")) as { paths: { path: string; type: string }[] };
    const listed = new Set(manifest.paths.map((p) => p.path));
    // The TLS rule's /usr/lib/ssl/certs -> /etc/ssl/certs: a link, not a copy of the store.
    expect(lstatSync(join(payload, "usr/lib/ssl/certs")).isSymbolicLink()).toBe(true);
    expect(listed.has("/etc/ssl/certs/ca-certificates.crt")).toBe(true);
    const unlisted = walk(payload).filter((p) => !listed.has(p));
    expect(unlisted).toEqual([]);
    for (const path of walk(payload).filter((p) => lstatSync(join(payload, p)).isSymbolicLink())) {
      const target = readlinkSync(join(payload, path));
      expect({ path, target, inside: !target.startsWith("/") && resolve(dirname(join(payload, path)), target).startsWith(payload) }).toMatchObject({ inside: true });
    }
    expect(readFileSync(join(payload, "usr/lib/ssl/certs/ca-certificates.crt"), "utf8")).toMatch(/BEGIN CERTIFICATE/);
    expect(readFileSync(join(payload, "srv/b"), "utf8")).toBe("same\n");
    // Traced use and an ordinary one: the bundled curl runs from the bundle.
    const version = await run(join(bundle, "bin/curl"), ["--version"]);
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^curl \d/) });
    const file = await run(join(bundle, "bin/curl"), ["-sS", `file://${join(payload, "srv/a")}`]);
    expect(file).toMatchObject({ code: 0, stdout: "same\n" });
  });
});
