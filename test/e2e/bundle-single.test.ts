// --layout=single-file, exported with --output type=local: one file (out/jq, the other entries
// symlinks to it) that runs jq, python3 and a shell script on this host from a fresh cache, from
// another directory, in a container whose root is a static busybox, with a read-only root and
// home, and when first runs race; each prints what the fat stage prints, on the traced use and
// on one never traced. A --prefix puts the file in an image.
import { spawn } from "node:child_process";
import { cpSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, dockerOk, requireFrontendImage, runProgram, type Run } from "./docker.js";

const EXAMPLE = join(import.meta.dirname, "../../examples/single-file");
const FAT = "sidebundle-e2e/single:fat";
const BUSYBOX = "sidebundle-e2e/single:busybox";
const ENTRIES = ["head", "jq", "python3", "sort", "tr", "uniq", "wordfreq"];

interface Use {
  args: string[];
  stdin?: string;
}

interface Case {
  entry: string;
  traced: Use;
  untraced: Use;
}

const cases: Case[] = [
  { entry: "jq", traced: { args: ["--version"] }, untraced: { args: ["-c", "[.[] | . * 2 | tostring | ascii_downcase]"], stdin: '[1,2,"x"]' } },
  {
    entry: "python3",
    traced: { args: ["-c", "import json, decimal; print(json.dumps(str(decimal.Decimal(2) / 3)))"] },
    untraced: { args: ["-c", "import csv, io, statistics, sys; csv.writer(sys.stdout).writerow(['a b', statistics.median([3, 1, 2])])"] },
  },
  { entry: "wordfreq", traced: { args: [], stdin: "b a b\n" }, untraced: { args: [], stdin: "The cat and the dog and THE end\n" } },
];

let out: string;
/** Directories made here: a first run's home holds an unpacked bundle. */
const made: string[] = [];
const temp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
const expected = new Map<string, Run>();

/** A fresh home: the first run of the file unpacks there. */
const freshHome = () => temp("sb-home-");
const hostEnv = (home: string) => ({ PATH: "/usr/bin:/bin", HOME: home });

function runHost(file: string, use: Use, home: string, cwd = "/"): Promise<Run> {
  return runProgram(file, use.args, { cwd, input: use.stdin ?? "", env: hostEnv(home) });
}

const key = (c: Case, use: Use) => `${c.entry} ${JSON.stringify(use)}`;

beforeAll(async () => {
  await requireFrontendImage();
  out = join(temp("sb-single-"), "out");
  await dockerOk(["buildx", "build", "--output", `type=local,dest=${out}`, EXAMPLE]);
  await dockerOk(["buildx", "build", "--quiet", "--target", "build", "--tag", FAT, EXAMPLE]);
  for (const c of cases) {
    for (const use of [c.traced, c.untraced]) {
      const fat = await docker(["run", "--rm", "-i", "--network", "none", "--entrypoint", c.entry, FAT, ...use.args], { input: use.stdin });
      if (fat.code !== 0) throw new Error(`fat ${c.entry}: ${fat.stderr}`);
      expected.set(key(c, use), fat);
    }
  }
  // A root with no glibc, no loader, no /tmp: only a static busybox, and the file.
  const context = temp("sb-single-busybox-");
  cpSync("/bin/busybox", join(context, "busybox"));
  cpSync(out, join(context, "sb"), { recursive: true, verbatimSymlinks: true });
  const dockerfile = 'FROM scratch\nCOPY busybox /bin/busybox\nCOPY sb /opt/sb\nENTRYPOINT ["/bin/busybox"]\n';
  await dockerOk(["buildx", "build", "--quiet", "--tag", BUSYBOX, "-f", "-", context], { input: dockerfile });
});

describe("single-file output", () => {
  it("is one file named after the first entry, the others symlinks to it", () => {
    expect(readdirSync(out).sort()).toEqual(ENTRIES);
    expect(lstatSync(join(out, "jq")).isFile()).toBe(true);
    expect(lstatSync(join(out, "jq")).mode & 0o777).toBe(0o755);
    for (const name of ENTRIES.filter((n) => n !== "jq")) expect(readlinkSync(join(out, name))).toBe("jq");
    expect(readFileSync(join(out, "jq")).subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  });
});

describe.each(cases)("single-file: $entry", (c) => {
  it("runs on the host from a fresh cache, copied elsewhere, from another directory", async () => {
    const moved = join(temp("sb-moved-"), "bin");
    cpSync(out, moved, { recursive: true, verbatimSymlinks: true });
    const home = freshHome();
    for (const use of [c.traced, c.untraced]) {
      const run = await runHost(join(moved, c.entry), use, home, tmpdir());
      expect({ code: run.code, stdout: run.stdout }, run.stderr).toEqual({ code: 0, stdout: expected.get(key(c, use))!.stdout });
    }
    expect(readdirSync(join(home, ".cache/sidebundle"))).toHaveLength(1);
  });

  it("runs in a container whose root is a static busybox", async () => {
    for (const use of [c.traced, c.untraced]) {
      const run = await docker(["run", "--rm", "-i", "--network", "none", "--entrypoint", `/opt/sb/${c.entry}`, BUSYBOX, ...use.args], { input: use.stdin });
      expect({ code: run.code, stdout: run.stdout }, run.stderr).toEqual({ code: 0, stdout: expected.get(key(c, use))!.stdout });
    }
  });

  it("runs with a read-only root and home, as another user, from a temporary directory", async () => {
    // Both uses in one container: the second starts from what the first unpacked in /tmp.
    const script = `${shellLine(c.entry, c.traced)}; echo "status $?"; ${shellLine(c.entry, c.untraced)}; echo "status $?"; /bin/busybox ls /tmp`;
    const flags = ["--read-only", "--tmpfs", "/tmp:exec,mode=1777", "--user", "1000:1000"];
    const run = await docker(["run", "--rm", "-i", "--network", "none", ...flags, BUSYBOX, "sh", "-c", script]);
    const want = [expected.get(key(c, c.traced))!.stdout, "status 0\n", expected.get(key(c, c.untraced))!.stdout, "status 0\n", "sidebundle-1000\n"].join("");
    expect(run.stdout, run.stderr).toBe(want);
  });
});

/** The use as a busybox sh command line, its stdin from printf. */
function shellLine(entry: string, use: Use): string {
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const cmd = [`/opt/sb/${entry}`, ...use.args].map(quote).join(" ");
  return `printf %s ${quote(use.stdin ?? "")} | ${cmd}`;
}

describe("single-file: first and later runs", () => {
  it("two racing first runs both run, and leave one unpacked copy", async () => {
    const home = freshHome();
    const [jq, python] = [cases[0]!, cases[1]!];
    const runs = await Promise.all([runHost(join(out, "jq"), jq.untraced, home), runHost(join(out, "python3"), python.untraced, home)]);
    expect(runs.map((r) => ({ code: r.code, stdout: r.stdout }))).toEqual([
      { code: 0, stdout: expected.get(key(jq, jq.untraced))!.stdout },
      { code: 0, stdout: expected.get(key(python, python.untraced))!.stdout },
    ]);
    expect(readdirSync(join(home, ".cache/sidebundle"))).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
  });

  it("later runs start from the cache: they no longer read the appended bundle", async () => {
    const dir = temp("sb-later-");
    const copy = join(dir, "jq");
    cpSync(join(out, "jq"), copy);
    const home = freshHome();
    const jq = cases[0]!;
    expect((await runHost(copy, jq.traced, home)).code).toBe(0);
    // A byte of the archive changes (not the trailer): a first run would refuse the file.
    const bytes = readFileSync(copy);
    bytes[bytes.length - 4096] ^= 0xff;
    writeFileSync(copy, bytes);
    expect((await runHost(copy, jq.untraced, home)).stdout).toBe(expected.get(key(jq, jq.untraced))!.stdout);
    const fresh = await runHost(copy, jq.traced, freshHome());
    expect(fresh.code).toBe(127);
    expect(fresh.stderr).toMatch(/damaged: the bundle's sha256 is/);
  });

  it("a copy under another name takes the entry as its first argument", async () => {
    const tools = join(temp("sb-tools-"), "tools");
    cpSync(join(out, "jq"), tools);
    const python = cases[1]!;
    const run = await runHost(tools, { args: ["python3", ...python.untraced.args] }, freshHome());
    expect(run).toMatchObject({ code: 0, stdout: expected.get(key(python, python.untraced))!.stdout });
    const none = await runHost(tools, { args: ["--version"] }, freshHome());
    expect(none.code).toBe(127);
    expect(none.stderr).toMatch(/name an entry as the first argument, or run it through a symlink named after one: /);
  });

  it("passes the exit status and signals through (the program is the process started)", async () => {
    const home = freshHome();
    expect((await runHost(join(out, "python3"), { args: ["-c", "import sys; sys.exit(3)"] }, home)).code).toBe(3);
    const child = spawn(join(out, "python3"), ["-c", "import os, sys; print(os.getpid(), flush=True); sys.stdin.read()"], { env: hostEnv(home) });
    const pid = await new Promise<number>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))));
    expect(pid).toBe(child.pid);
    child.kill("SIGTERM");
    expect(await new Promise((resolve) => child.on("exit", (_code, signal) => resolve(signal)))).toBe("SIGTERM");
  });
});

describe("single-file: in an image", () => {
  it("--prefix puts the file at <prefix>/<entry>, and it runs as the image's entrypoint", async () => {
    const dir = temp("sb-single-image-");
    const dockerfile = [
      "# syntax=sidebundle/frontend",
      "FROM debian:bookworm-slim AS build",
      "RUN apt-get update && apt-get install -y --no-install-recommends jq python3",
      "FROM scratch",
      'BUNDLE --from=build --layout=single-file --prefix=/usr/local/bin --trace="jq --version" --test="jq --version" /usr/bin/jq',
      'ENTRYPOINT ["/usr/local/bin/jq"]',
      "",
    ].join("\n");
    writeFileSync(join(dir, "Dockerfile"), dockerfile);
    const id = (await dockerOk(["buildx", "build", "--quiet", dir])).stdout.trim();
    const jq = cases[0]!;
    for (const use of [jq.traced, jq.untraced]) {
      const run = await docker(["run", "--rm", "-i", "--network", "none", id, ...use.args], { input: use.stdin });
      expect({ code: run.code, stdout: run.stdout }, run.stderr).toEqual({ code: 0, stdout: expected.get(key(jq, use))!.stdout });
    }
  });
});
