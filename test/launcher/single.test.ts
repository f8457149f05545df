// sidebundle-single on the host: portable bundles of this machine's programs written as one file
// (frontend/single/archive.ts), unpacked into a cache on the first run and run from it later.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSingleFile } from "../../frontend/single/archive.js";
import { buildTracer, distDir, removeTempDirs, tempDir } from "../tracer/helpers.js";
import { hostPython, packedToolsBundle, run, sha256, type Bundle } from "./bundle.js";

const head = join(distDir, "sidebundle-single");
let b: Bundle;
/** A file of every entry (no default), and one of `sort` alone. */
let all: string, sort: string;
let allSha: string;
let sortDir: string;

beforeAll(async () => {
  buildTracer();
  b = packedToolsBundle();
  all = join(tempDir("out"), "tools");
  allSha = await writeSingleFile({ bundle: b.root, launcher: head, out: all });
  sortDir = sortBundle(join(tempDir("one"), "R"));
  sort = join(tempDir("out"), "sort");
  await writeSingleFile({ bundle: sortDir, launcher: head, out: sort, defaultEntry: "sort" });
});
afterAll(removeTempDirs);

/** The tools bundle with bin/ and launch/ holding sort alone. */
function sortBundle(dir: string): string {
  run("/bin/cp", ["-a", b.root, dir]);
  for (const name of readdirSync(join(dir, "bin"))) {
    if (name === "sort") continue;
    run("/bin/rm", [join(dir, "bin", name), join(dir, "launch", name)]);
  }
  return dir;
}

/** A fresh cache: the environment of a first run. */
function freshEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: tempDir("home"), TMPDIR: tempDir("tmp"), ...extra };
}

/** Every path under dir with its kind, mode, time and content (or link target). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(e.parentPath, e.name);
    const st = lstatSync(path, { bigint: true });
    const what = e.isSymbolicLink() ? `-> ${readlinkSync(path)}` : e.isFile() ? sha256(path) : "dir";
    out[relative(dir, path)] = `${(st.mode & 0o7777n).toString(8)} ${e.isSymbolicLink() ? "" : st.mtimeNs} ${what}`;
  }
  return out;
}

describe("the first run", () => {
  it("unpacks into ~/.cache/sidebundle/<sha256> exactly the bundle, and runs the entry", () => {
    const env = freshEnv();
    expect(run(sort, [], { input: "pear\napple\n", env })).toEqual({ code: 0, stdout: "apple\npear\n", stderr: "" });
    const cache = join(env.HOME!, ".cache/sidebundle");
    const [dir] = readdirSync(cache);
    expect(dir).toMatch(/^[0-9a-f]{64}$/);
    const unpacked = snapshot(join(cache, dir!));
    const original = snapshot(sortDir);
    expect(Object.keys(unpacked).length).toBeGreaterThan(1000);
    expect(unpacked).toEqual(original);
  });

  it("keeps hard links: a payload file is its content store's file", () => {
    const env = freshEnv();
    run(all, ["sort"], { input: "", env });
    const root = join(env.HOME!, ".cache/sidebundle", allSha);
    const file = lstatSync(join(root, "payload", hostPython));
    expect(file.nlink).toBe(2);
    expect(lstatSync(join(root, "data", sha256(b.path(hostPython)))).ino).toBe(file.ino);
  });

  it("uses $XDG_CACHE_HOME when it is set", () => {
    const env = freshEnv({ XDG_CACHE_HOME: tempDir("xdg") });
    expect(run(all, ["sort", "-r"], { input: "a\nb\n", env }).stdout).toBe("b\na\n");
    expect(readdirSync(join(env.XDG_CACHE_HOME!, "sidebundle"))).toEqual([allSha]);
    expect(existsSync(join(env.HOME!, ".cache"))).toBe(false);
  });

  it("falls back to $TMPDIR/sidebundle-<uid> when the cache cannot be written", () => {
    const env = freshEnv({ XDG_CACHE_HOME: "/dev/null/cache" });
    expect(run(all, ["sort"], { input: "b\na\n", env })).toEqual({ code: 0, stdout: "a\nb\n", stderr: "" });
    const tmp = join(env.TMPDIR!, `sidebundle-${process.getuid!()}`);
    expect(readdirSync(tmp)).toEqual([allSha]);
    expect(lstatSync(tmp).mode & 0o777).toBe(0o700);
    // The next run finds it there.
    expect(run(all, ["sort", "-r"], { input: "a\nb\n", env }).stdout).toBe("b\na\n");
  });

  it("refuses a shared temporary directory another user could write", () => {
    const env = freshEnv({ XDG_CACHE_HOME: "/dev/null/cache" });
    const tmp = join(env.TMPDIR!, `sidebundle-${process.getuid!()}`);
    run("/bin/mkdir", ["-m", "777", tmp]);
    chmodSync(tmp, 0o777);
    const out = run(all, ["sort"], { env });
    expect(out.code).toBe(127);
    expect(out.stderr).toContain(`no cache to unpack into (${tmp}: Operation not permitted)`);
  });

  it("lets several first runs race: each runs, one copy stays, no temporary directory is left", async () => {
    const env = freshEnv();
    const runs = Array.from({ length: 4 }, (_, i) => runAsync(all, ["sort"], `${4 - i}\n${i}\n`, env));
    const results = await Promise.all(runs);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(results.map((r) => r.stdout)).toEqual(["0\n4\n", "1\n3\n", "2\n2\n", "1\n3\n"]);
    expect(readdirSync(join(env.HOME!, ".cache/sidebundle"))).toEqual([allSha]);
  });

  it("fails, running nothing, when the archive does not match its sha256", () => {
    const broken = join(tempDir("broken"), "sort");
    const bytes = readFileSync(sort);
    bytes[bytes.length - 1000] ^= 1;
    writeFileSync(broken, bytes, { mode: 0o755 });
    const out = run(broken, [], { env: freshEnv() });
    expect(out.code).toBe(127);
    expect(out.stderr).toMatch(/^sidebundle-single: .*: damaged: the bundle's sha256 is [0-9a-f]{64}, not [0-9a-f]{64}\n$/);
  });

  it("says so when the file has no bundle appended", () => {
    const out = run(head, [], { env: freshEnv() });
    expect(out).toEqual({ code: 127, stdout: "", stderr: `sidebundle-single: ${head}: no bundle appended (not a single-file bundle)\n` });
  });
});

describe("files larger than the writer deflates in memory (64 MiB)", () => {
  it("are streamed through, deflated or raw, and unpacked whole", async () => {
    const dir = join(tempDir("big"), "R");
    run("/bin/cp", ["-a", sortDir, dir]);
    // One that deflates (zeros after a random MiB), one that does not (random).
    writeFileSync(join(dir, "payload/zeros.bin"), Buffer.concat([randomBytes(1 << 20), Buffer.alloc(80 << 20)]));
    writeFileSync(join(dir, "payload/random.bin"), randomBytes(65 << 20));
    const file = join(tempDir("out"), "sort");
    await writeSingleFile({ bundle: dir, launcher: head, out: file, defaultEntry: "sort" });
    // 65 MiB stored raw, a random MiB that deflate cannot shrink, 80 MiB of zeros in ~80 KiB.
    const added = statSync(file).size - statSync(sort).size;
    expect(added).toBeGreaterThan(66 << 20);
    expect(added).toBeLessThan((66 << 20) + (512 << 10));
    expect(readdirSync(dirname(file))).toEqual(["sort"]);
    const env = freshEnv();
    expect(run(file, [], { input: "b\na\n", env }).stdout).toBe("a\nb\n");
    const [cached] = readdirSync(join(env.HOME!, ".cache/sidebundle"));
    for (const name of ["zeros.bin", "random.bin"]) expect(sha256(join(env.HOME!, ".cache/sidebundle", cached!, "payload", name))).toBe(sha256(join(dir, "payload", name)));
  });
});

describe("names that are not UTF-8", () => {
  it("are unpacked with their bytes", async () => {
    const dir = join(tempDir("names"), "R");
    run("/bin/cp", ["-a", sortDir, dir]);
    // café in Latin-1, and a directory with 0xff in its name.
    const file = Buffer.from(`${dir}/payload/caf\xe9.txt`, "latin1");
    const subdir = Buffer.from(`${dir}/payload/d\xffr`, "latin1");
    writeFileSync(file, "latin-1\n");
    mkdirSync(subdir);
    symlinkSync(Buffer.from("../caf\xe9.txt", "latin1"), Buffer.concat([subdir, Buffer.from("/link")]));
    const out = join(tempDir("out"), "sort");
    await writeSingleFile({ bundle: dir, launcher: head, out, defaultEntry: "sort" });
    const env = freshEnv();
    expect(run(out, [], { input: "b\na\n", env }).stdout).toBe("a\nb\n");
    const [cached] = readdirSync(join(env.HOME!, ".cache/sidebundle"));
    const payload = Buffer.from(join(env.HOME!, ".cache/sidebundle", cached!, "payload"));
    expect(readFileSync(Buffer.concat([payload, Buffer.from("/d\xffr/link", "latin1")]), "utf8")).toBe("latin-1\n");
  });
});

describe("later runs", () => {
  it("start from the cache: what is there runs, the file is not read again", () => {
    const env = freshEnv();
    expect(run(sort, [], { input: "b\na\n", env }).stdout).toBe("a\nb\n");
    const [dir] = readdirSync(join(env.HOME!, ".cache/sidebundle"));
    // The cached launch config now runs sort in reverse: a later run must use it.
    const config = join(env.HOME!, ".cache/sidebundle", dir!, "launch/sort");
    chmodSync(join(env.HOME!, ".cache/sidebundle", dir!, "launch"), 0o755);
    writeFileSync(config, `${readFileSync(config, "utf8")}arg=-r\n`);
    expect(run(sort, [], { input: "a\nb\n", env }).stdout).toBe("b\na\n");
  });
});

describe("choosing the entry", () => {
  it("runs the only entry whatever the file is called", () => {
    const renamed = join(tempDir("renamed"), "my-sort");
    copyFileSync(sort, renamed);
    expect(run(renamed, [], { input: "2\n1\n", env: freshEnv() }).stdout).toBe("1\n2\n");
  });

  it("takes the name it runs by (a symlink) or else the first argument", () => {
    const env = freshEnv();
    const link = join(tempDir("links"), "tr");
    symlinkSync(all, link);
    expect(run(link, ["a-z", "A-Z"], { input: "abc\n", env }).stdout).toBe("ABC\n");
    expect(run(all, ["tr", "a-z", "A-Z"], { input: "xyz\n", env }).stdout).toBe("XYZ\n");
    expect(run(all, ["python3", "-c", "import sys, json; print(json.dumps(sys.argv[1:]))", "a"], { env }).stdout).toBe('["a"]\n');
  });

  it("names the entries when none is chosen", () => {
    const out = run(all, ["nonesuch"], { env: freshEnv() });
    expect(out.code).toBe(127);
    expect(out.stderr).toContain("name an entry as the first argument, or run it through a symlink named after one:");
    for (const name of ["sort", "tr", "python3", "words"]) expect(out.stderr).toContain(` ${name}`);
  });
});

describe("what passes through", () => {
  it("the environment, stdin and the exit status", () => {
    const env = freshEnv({ GREETING: "hi" });
    expect(run(all, ["sh", "-c", 'read x; echo "$GREETING $x"; exit 7'], { input: "there\n", env })).toEqual({ code: 7, stdout: "hi there\n", stderr: "" });
  });

  it("signals: the program is the process that was started (exec, no fork)", async () => {
    const env = freshEnv();
    run(all, ["sort"], { env });
    const child = spawn(all, ["sh", "-c", "echo $$; read x"], { env, stdio: ["pipe", "pipe", "inherit"] });
    const pid = await new Promise<string>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim())));
    expect(Number(pid)).toBe(child.pid);
    child.kill("SIGTERM");
    const signal = await new Promise((resolve) => child.on("exit", (_code, sig) => resolve(sig)));
    expect(signal).toBe("SIGTERM");
  });
});

function runAsync(file: string, args: string[], input: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}
