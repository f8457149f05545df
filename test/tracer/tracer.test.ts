// The static tracer on the C scenarios in programs/: exact events for each traced situation.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAll, endOf, filesUnder, ofType, parseLog, removeTempDirs, tempDir, trace, tracer, type TraceEvent } from "./helpers.js";

const O_DIRECTORY = 0o200000;
const O_CLOEXEC = 0o2000000;
const O_NONBLOCK = 0o4000;
const O_CREAT_WRONLY_TRUNC = 0o1101;
const AT_EMPTY_PATH = 0x1000;

let bin: ReturnType<typeof buildAll>;
beforeAll(() => {
  bin = buildAll();
});
afterAll(removeTempDirs);

/** A directory with a.txt, sub/ and link -> a.txt. */
function fixture(): string {
  const dir = tempDir("fixture");
  mkdirSync(join(dir, "sub"));
  writeFileSync(join(dir, "a.txt"), "contents of a\n");
  symlinkSync("a.txt", join(dir, "link"));
  return dir;
}

function rootPid(events: TraceEvent[]): number {
  return endOf(events).rootPid as number;
}

describe("file events", () => {
  it("resolves dirfd-relative openat through the fd, including misses", async () => {
    const dir = fixture();
    const { status, events } = await trace([bin.scenarios, "dirfd-openat", dir]);
    expect(status).toBe(0);
    const pid = rootPid(events);
    expect(filesUnder(events, dir)).toEqual([
      { pid, syscall: "openat", path: dir, abs: dir, flags: O_DIRECTORY, result: 3 },
      { pid, syscall: "openat", path: "sub/../a.txt", abs: `${dir}/a.txt`, flags: 0, result: 4 },
      { pid, syscall: "openat", path: "missing.txt", abs: `${dir}/missing.txt`, flags: 0, result: -2, errno: "ENOENT" },
    ]);
  });

  it("records openat2 with the flags from struct open_how", async () => {
    const dir = fixture();
    const { status, events } = await trace([bin.scenarios, "openat2", dir]);
    expect(status).toBe(0);
    const pid = rootPid(events);
    expect(ofType(events, "file").filter((e) => e.syscall === "openat2")).toEqual([
      expect.objectContaining({ pid, path: "a.txt", abs: `${dir}/a.txt`, flags: O_CLOEXEC, result: 4 }),
      expect.objectContaining({ pid, path: "../outside", abs: `${dirname(dir)}/outside`, result: -18, errno: "EXDEV" }),
    ]);
  });

  it("reports a file that was written, read and then unlinked", async () => {
    const dir = fixture();
    const { status, events } = await trace([bin.scenarios, "unlinked", dir]);
    expect(status).toBe(0);
    const pid = rootPid(events);
    const abs = `${dir}/scratch.txt`;
    expect(filesUnder(events, dir)).toEqual([
      { pid, syscall: "openat", path: abs, abs, flags: O_CREAT_WRONLY_TRUNC, result: 3 },
      { pid, syscall: "openat", path: abs, abs, flags: 0, result: 3 },
      { pid, syscall: "unlink", path: abs, abs, result: 0 },
    ]);
  });

  it("reports a listed directory through getdents64", async () => {
    const dir = fixture();
    const { status, events } = await trace([bin.scenarios, "listdir", dir]);
    expect(status).toBe(0);
    const pid = rootPid(events);
    const files = filesUnder(events, dir);
    expect(files[0]).toEqual({
      pid,
      syscall: "openat",
      path: dir,
      abs: dir,
      flags: O_DIRECTORY | O_CLOEXEC | O_NONBLOCK,
      result: 3,
    });
    const listings = files.filter((e) => e.syscall === "getdents64");
    expect(listings).toEqual([
      { pid, syscall: "getdents64", path: "", abs: dir, result: expect.any(Number) },
      { pid, syscall: "getdents64", path: "", abs: dir, result: 0 },
    ]);
    expect(listings[0]!.result).toBeGreaterThan(0);
  });

  it("follows the cwd across chdir and fchdir for relative paths, rename targets included", async () => {
    const dir = fixture();
    const { status, events } = await trace([bin.scenarios, "relative", dir]);
    expect(status).toBe(0);
    const pid = rootPid(events);
    expect(filesUnder(events, dir)).toEqual([
      { pid, syscall: "chdir", path: dir, abs: dir, result: 0 },
      { pid, syscall: "openat", path: "sub", abs: `${dir}/sub`, flags: O_DIRECTORY, result: 3 },
      { pid, syscall: "rename", path: "a.txt", abs: `${dir}/a.txt`, path2: "b.txt", abs2: `${dir}/b.txt`, result: 0 },
      { pid, syscall: "newfstatat", path: "b.txt", abs: `${dir}/b.txt`, flags: 0, result: 0 },
      { pid, syscall: "readlink", path: "link", abs: `${dir}/link`, result: 5 },
      { pid, syscall: "fchdir", path: "", abs: `${dir}/sub`, result: 0 },
      { pid, syscall: "access", path: "nope", abs: `${dir}/sub/nope`, flags: 4, result: -2, errno: "ENOENT" },
      { pid, syscall: "rename", path: "../b.txt", abs: `${dir}/b.txt`, path2: "../a.txt", abs2: `${dir}/a.txt`, result: 0 },
    ]);
  });

  it("records the files a process makes: links, symlinks, nodes and sockets with a path", async () => {
    const dir = fixture();
    const { status, events } = await trace([bin.scenarios, "made", dir]);
    expect(status).toBe(0);
    const pid = rootPid(events);
    const S_IFIFO = 0o10000;
    expect(filesUnder(events, dir)).toEqual([
      { pid, syscall: "chdir", path: dir, abs: dir, result: 0 },
      { pid, syscall: "openat", path: "sub", abs: `${dir}/sub`, flags: O_DIRECTORY, result: 3 },
      { pid, syscall: "link", path: "a.txt", abs: `${dir}/a.txt`, path2: "hard", abs2: `${dir}/hard`, result: 0 },
      { pid, syscall: "linkat", path: "a.txt", abs: `${dir}/a.txt`, path2: "hard", abs2: `${dir}/sub/hard`, flags: 0, result: 0 },
      { pid, syscall: "symlink", path: "soft", abs: `${dir}/soft`, target: "a.txt", result: 0 },
      { pid, syscall: "symlinkat", path: "soft", abs: `${dir}/sub/soft`, target: "../a.txt", result: 0 },
      { pid, syscall: "mknod", path: "fifo", abs: `${dir}/fifo`, mode: S_IFIFO | 0o600, result: 0 },
      { pid, syscall: "mknodat", path: "fifo", abs: `${dir}/sub/fifo`, mode: S_IFIFO | 0o640, result: 0 },
      { pid, syscall: "bind", path: "sock", abs: `${dir}/sock`, result: 0 },
    ]);
    // Abstract and inet sockets are no files.
    expect(ofType(events, "file").filter((e) => e.syscall === "bind")).toHaveLength(1);
  });
});

describe("exec and process tree", () => {
  it("records execveat(fd, \"\", AT_EMPTY_PATH) with the fd's file as abs", async () => {
    const dir = fixture();
    const { status, events } = await trace([bin.scenarios, "execveat", bin.hop64, `${dir}/a.txt`]);
    expect(status).toBe(0);
    const pid = rootPid(events);
    expect(ofType(events, "exec")[1]).toEqual({
      type: "exec",
      pid,
      ppid: expect.any(Number),
      exe: bin.scenarios,
      syscall: "execveat",
      path: "",
      abs: bin.hop64,
      flags: AT_EMPTY_PATH,
      argv: ["target", `${dir}/a.txt`],
      result: 0,
    });
    expect(filesUnder(events, dir)).toEqual([
      { pid, syscall: "openat", path: `${dir}/a.txt`, abs: `${dir}/a.txt`, flags: 0, result: 3 },
    ]);
    expect(ofType(events, "file").find((e) => e.abs === `${dir}/a.txt`)!.exe).toBe(bin.hop64);
  });

  it("handles execve from a non-leader thread: the process keeps its pid", async () => {
    const dir = fixture();
    const { status, events } = await trace([bin.scenarios, "thread-exec", bin.hop64, `${dir}/a.txt`]);
    expect(status).toBe(0);
    const pid = rootPid(events);
    const spawns = ofType(events, "spawn");
    expect(spawns).toEqual([{ type: "spawn", pid: expect.any(Number), ppid: pid, exe: bin.scenarios, kind: "thread", tgid: pid }]);
    const tid = spawns[0]!.pid;
    expect(tid).not.toBe(pid);
    expect(ofType(events, "exec").slice(1)).toEqual([
      expect.objectContaining({ pid, tid, exe: bin.scenarios, syscall: "execve", abs: bin.hop64, argv: [bin.hop64, `${dir}/a.txt`], result: 0 }),
    ]);
    expect(ofType(events, "file").find((e) => e.abs === `${dir}/a.txt`)).toMatchObject({ pid, exe: bin.hop64, result: 3 });
    expect(ofType(events, "exit")).toEqual([{ type: "exit", pid, code: 0 }]);
  });

  it("follows vfork and the child's exec", async () => {
    const dir = fixture();
    const { status, events } = await trace([bin.scenarios, "vfork-exec", bin.hop64, `${dir}/a.txt`]);
    expect(status).toBe(0);
    const pid = rootPid(events);
    const [spawn] = ofType(events, "spawn");
    expect(spawn).toEqual({ type: "spawn", pid: expect.any(Number), ppid: pid, exe: bin.scenarios, kind: "vfork" });
    const child = spawn!.pid;
    expect(ofType(events, "exec").slice(1)).toEqual([
      { type: "exec", pid: child, ppid: pid, exe: bin.scenarios, syscall: "execve", path: bin.hop64, abs: bin.hop64, argv: [bin.hop64, `${dir}/a.txt`], result: 0 },
    ]);
    expect(filesUnder(events, dir)).toEqual([{ pid: child, syscall: "openat", path: `${dir}/a.txt`, abs: `${dir}/a.txt`, flags: 0, result: 3 }]);
    expect(ofType(events, "exit")).toEqual([
      { type: "exit", pid: child, code: 0 },
      { type: "exit", pid, code: 0 },
    ]);
  });

  it("traces a 32-bit program exec'd from a 64-bit one and back", async () => {
    const dir = fixture();
    const files = ["f1", "f2", "f3"].map((f) => `${dir}/${f}`);
    for (const f of files) writeFileSync(f, "");
    const { status, events } = await trace([bin.hop64, files[0]!, bin.hop32, files[1]!, bin.hop64, files[2]!]);
    expect(status).toBe(0);
    const pid = rootPid(events);
    expect(ofType(events, "exec").map(({ exe, syscall, abs, result }) => ({ exe, syscall, abs, result }))).toEqual([
      { exe: expect.stringContaining("sidebundle-trace"), syscall: "execve", abs: bin.hop64, result: 0 },
      { exe: bin.hop64, syscall: "execve", abs: bin.hop32, result: 0 },
      { exe: bin.hop32, syscall: "execve", abs: bin.hop64, result: 0 },
    ]);
    expect(ofType(events, "file").filter((e) => files.includes(e.abs as string))).toEqual(
      files.map((f, i) => ({ type: "file", pid, ppid: expect.any(Number), exe: i === 1 ? bin.hop32 : bin.hop64, syscall: "openat", path: f, abs: f, flags: 0, result: 3 })),
    );
    // The 32-bit loader's own lookups come through the i386 table (openat is 295 there, preadv on x86_64).
    expect(ofType(events, "file").some((e) => e.exe === bin.hop32 && e.syscall === "openat" && /\/libc\.so\.6$/.test(e.abs as string))).toBe(true);
  });

  it("survives a fork storm of 1,000 concurrent children, with every spawn, lookup and exit", async () => {
    const dir = fixture();
    const n = 1000;
    const { status, events } = await trace([bin.scenarios, "fork-storm", dir, String(n)]);
    expect(status).toBe(0);
    const pid = rootPid(events);
    const spawns = ofType(events, "spawn");
    expect(spawns).toHaveLength(n);
    expect(spawns.every((s) => s.ppid === pid && s.kind === "fork")).toBe(true);
    const lookups = filesUnder(events, dir);
    expect(lookups).toHaveLength(n);
    const exits = new Map(ofType(events, "exit").map((e) => [e.pid, e.code]));
    expect(exits.size).toBe(n + 1);
    for (const l of lookups) {
      const i = Number(/child-(\d+)$/.exec(l.abs as string)![1]);
      expect(l).toMatchObject({ syscall: "access", result: -2, errno: "ENOENT" });
      expect(exits.get(l.pid as number)).toBe(i % 100);
    }
  });

  it("follows many threads", async () => {
    const dir = fixture();
    const n = 200;
    const { status, events } = await trace([bin.scenarios, "threads", dir, String(n)]);
    expect(status).toBe(0);
    const pid = rootPid(events);
    const tids = new Set(ofType(events, "spawn").filter((s) => s.kind === "thread" && s.tgid === pid).map((s) => s.pid));
    expect(tids.size).toBe(n);
    const stats = filesUnder(events, dir);
    expect(stats).toHaveLength(n);
    expect(new Set(stats.map((s) => s.pid))).toEqual(tids);
    expect(ofType(events, "exit")).toEqual([{ type: "exit", pid, code: 0 }]);
  });

  it("logs a failed exec with its errno and exits 127", async () => {
    const { status, stderr, events } = await trace(["/nonexistent/program"]);
    expect(status).toBe(127);
    expect(stderr).toMatch(/^sidebundle-trace: cannot execute \/nonexistent\/program: /);
    expect(ofType(events, "exec")).toEqual([
      expect.objectContaining({ syscall: "execve", path: "/nonexistent/program", abs: "/nonexistent/program", result: -2, errno: "ENOENT" }),
    ]);
    expect(endOf(events)).toMatchObject({ status: 127, timedOut: false });
  });
});

describe("exit, signals and timeouts", () => {
  it("goes through credential calls (an injected prctl each) under a stream of signals unchanged", async () => {
    const dir = fixture();
    const n = 2000;
    const { status, stdout, events } = await trace([bin.scenarios, "creds-signals", `${dir}/a.txt`, String(n)]);
    expect(status).toBe(0); // every setresuid returned 0, every setfsuid the old fsuid
    expect(Number(stdout)).toBeGreaterThan(0);
    expect(filesUnder(events, dir)).toHaveLength(n);
    expect(ofType(events, "file").filter((e) => String(e.syscall).startsWith("set"))).toEqual([]);
  });

  it("propagates the exit status", async () => {
    const { status, events } = await trace(["sh", "-c", "exit 7"]);
    expect(status).toBe(7);
    expect(ofType(events, "exit")).toEqual([{ type: "exit", pid: rootPid(events), code: 7 }]);
    expect(endOf(events)).toEqual({ type: "end", status: 7, timedOut: false, rootPid: rootPid(events) });
  });

  it("reports processes killed by signals and exits 128+signal", async () => {
    const { status, stdout, events } = await trace(["sh", "-c", 'sh -c "kill -SEGV \\$\\$"; echo inner=$?; kill -KILL $$']);
    expect(stdout).toBe("inner=139\n");
    expect(status).toBe(137);
    const pid = rootPid(events);
    const inner = ofType(events, "spawn")[0]!.pid;
    expect(ofType(events, "exit")).toEqual([
      { type: "exit", pid: inner, signal: "SIGSEGV" },
      { type: "exit", pid, signal: "SIGKILL" },
    ]);
    expect(endOf(events)).toMatchObject({ status: 137, timedOut: false });
  });

  it("times out a command that never exits: SIGTERM, complete log", async () => {
    const started = Date.now();
    const { status, events } = await trace(["sleep", "1000"], ["--timeout", "500ms"]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(status).toBe(143);
    const pid = rootPid(events);
    expect(ofType(events, "exit")).toEqual([{ type: "exit", pid, signal: "SIGTERM" }]);
    expect(endOf(events)).toEqual({ type: "end", status: 143, timedOut: true, rootPid: pid });
  });

  it("kills a tree that ignores SIGTERM after the grace period", async () => {
    const { status, events } = await trace(["sh", "-c", "trap '' TERM; sleep 1000; :"], ["--timeout", "300ms", "--grace", "300ms"]);
    expect(status).toBe(137);
    const exits = ofType(events, "exit");
    expect(exits).toHaveLength(2);
    expect(exits.every((e) => e.signal === "SIGKILL")).toBe(true);
    expect(endOf(events)).toMatchObject({ status: 137, timedOut: true });
  });

  it("ends a stopped tracee on timeout", async () => {
    const { status, events } = await trace(["sh", "-c", "kill -STOP $$"], ["--timeout", "300ms"]);
    expect(status).toBe(143);
    expect(endOf(events)).toMatchObject({ status: 143, timedOut: true });
  });

  it("forwards SIGTERM sent to the tracer to the command", async () => {
    const { status, events } = await trace(["sleep", "1000"], [], "", (pid) => setTimeout(() => process.kill(pid, "SIGTERM"), 300));
    expect(status).toBe(143);
    expect(ofType(events, "exit")).toEqual([{ type: "exit", pid: rootPid(events), signal: "SIGTERM" }]);
    expect(endOf(events)).toMatchObject({ status: 143, timedOut: false });
  });

  it("kills processes left behind after the command exits, once the grace period is over", async () => {
    const started = Date.now();
    const { status, events } = await trace(["sh", "-c", "sleep 1000 & exit 3"], ["--grace", "300ms"]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(status).toBe(3);
    const pid = rootPid(events);
    const sleeper = ofType(events, "spawn")[0]!.pid;
    expect(ofType(events, "exit")).toEqual([
      { type: "exit", pid, code: 3 },
      { type: "exit", pid: sleeper, signal: "SIGKILL" },
    ]);
    expect(endOf(events)).toMatchObject({ status: 3, timedOut: false });
  });
});

describe("command line", () => {
  it("forwards the tracer's stdin to the command", async () => {
    const { status, stdout } = await trace(["cat"], [], "piped input\n");
    expect(status).toBe(0);
    expect(stdout).toBe("piped input\n");
  });

  it("feeds --stdin-file to the command", async () => {
    const dir = fixture();
    const { stdout, events } = await trace(["cat"], ["--stdin-file", `${dir}/a.txt`], "ignored\n");
    expect(stdout).toBe("contents of a\n");
    // The tracer opens the file before the filter is installed: the command only uses fd 0.
    expect(filesUnder(events, dir).filter((e) => String(e.syscall).startsWith("open"))).toEqual([]);
  });

  it("sets --env variables and runs in --cwd, resolving relative paths there", async () => {
    const dir = fixture();
    const { status, stdout, events } = await trace(["sh", "-c", 'echo "$SB_A $SB_B"; cat a.txt'], ["--env", "SB_A=1", "--env", "SB_B=x=y", "--cwd", dir]);
    expect(status).toBe(0);
    expect(stdout).toBe("1 x=y\ncontents of a\n");
    expect(filesUnder(events, dir).filter((e) => e.path === "a.txt")).toEqual([
      expect.objectContaining({ syscall: "openat", abs: `${dir}/a.txt`, result: 3 }),
    ]);
  });

  it("--no-trace only runs the command, with --stdout-file", async () => {
    const dir = fixture();
    const out = `${dir}/stdout.txt`;
    const { status, stdout, events } = await trace(["sh", "-c", "echo hi; exit 4"], ["--no-trace", "--stdout-file", out, "--env", "X=1"]);
    expect(status).toBe(4);
    expect(stdout).toBe("");
    expect(readFileSync(out, "utf8")).toBe("hi\n");
    expect(events).toEqual([{ type: "end", status: 4, timedOut: false, rootPid: expect.any(Number) }]);
  });

  it("fails with one line and exit 125 when ptrace is unavailable (already traced)", async () => {
    const dir = fixture();
    const log = `${dir}/log.jsonl`;
    const run = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile("strace", ["-f", "-o", "/dev/null", tracer, "--output", log, "--", "true"], (err, _out, stderr) =>
        resolve({ code: typeof err?.code === "number" ? err.code : 0, stderr }),
      ),
    );
    expect(run.code).toBe(125);
    expect(run.stderr).toMatch(/^sidebundle-trace: ptrace unavailable: PTRACE_SEIZE: Operation not permitted: the process is already traced by pid \d+\n$/);
    expect(readFileSync(log, "utf8")).toBe("");
  });

  it("--unavailable-ok logs why ptrace is unavailable, runs nothing and exits 0", async () => {
    const dir = fixture();
    const log = `${dir}/log.jsonl`;
    const run = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile("strace", ["-f", "-o", "/dev/null", tracer, "--output", log, "--unavailable-ok", "--", "touch", `${dir}/ran`], (err, _out, stderr) =>
        resolve({ code: typeof err?.code === "number" ? err.code : 0, stderr }),
      ),
    );
    expect(run).toEqual({ code: 0, stderr: "" });
    expect(parseLog(readFileSync(log, "utf8"))).toEqual([
      { type: "unavailable", call: "PTRACE_SEIZE", error: "Operation not permitted", reason: expect.stringMatching(/^the process is already traced by pid \d+$/) },
    ]);
    expect(existsSync(`${dir}/ran`)).toBe(false);
  });

  it("--timeout-ok makes a timed-out run a success, and only that", async () => {
    const timedOut = await trace(["sleep", "1000"], ["--timeout", "300ms", "--timeout-ok"]);
    expect(timedOut.status).toBe(0);
    expect(endOf(timedOut.events)).toMatchObject({ status: 143, timedOut: true });
    const failed = await trace(["sh", "-c", "exit 3"], ["--timeout", "10s", "--timeout-ok"]);
    expect(failed.status).toBe(3);
  });

  it("--exit-zero exits 0 and leaves the status to the log", async () => {
    const run = await trace(["sh", "-c", "exit 3"], ["--exit-zero"]);
    expect(run.status).toBe(0);
    expect(endOf(run.events)).toMatchObject({ status: 3, timedOut: false });
  });

  it("--stderr-tail passes stderr through and keeps its last 2 KiB for a later report", async () => {
    const dir = fixture();
    const tail = `${dir}/stderr`;
    const run = await trace(["sh", "-c", "seq 1 2000 >&2; echo out; echo last words >&2; exit 3"], ["--stderr-tail", tail, "--exit-zero"]);
    const all = Array.from({ length: 2000 }, (_, i) => `${i + 1}\n`).join("") + "last words\n";
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 0, stdout: "out\n", stderr: all });
    expect(readFileSync(tail, "utf8")).toBe(all.slice(-2048));
    expect(endOf(run.events)).toMatchObject({ status: 3 });
  });

  it("says every 10 s on stderr that a long command is still running", async () => {
    const run = await trace(["sleep", "10.5"]);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^sidebundle-trace: still running after 10 s, [1-9]\d* events\n$/);
  }, 30_000);

  it("rejects bad options with one line and exit 125", async () => {
    const duration = await trace(["true"], ["--timeout", "5 parsecs"]);
    expect(duration.status).toBe(125);
    expect(duration.stderr).toBe("sidebundle-trace: invalid --timeout duration '5 parsecs' (e.g. 500ms, 10s, 2m)\n");
    const unknown = await trace(["true"], ["--bogus"]);
    expect(unknown.status).toBe(125);
    expect(unknown.stderr).toBe("sidebundle-trace: unknown option --bogus (see --help)\n");
  });
});

/** The CPUs of a Cpus_allowed_list ("0-3,6"). */
function cpuList(text: string): number[] {
  return text
    .trim()
    .split(",")
    .flatMap((range) => {
      const [lo, hi = lo] = range.split("-").map(Number) as [number, number?];
      return Array.from({ length: hi! - lo + 1 }, (_, i) => lo + i);
    });
}

/**
 * Python with `mask()` (its own CPU mask as the kernel shows it), `spin(s)` (s seconds of CPU) and
 * `say(...)` (one line in one write: processes print at once, and PYTHONUNBUFFERED splits print's),
 * then `body`.
 */
const py = (body: string) => [
  "python3",
  "-c",
  "import os, sys, time, threading\n" +
    "def mask():\n  return open('/proc/self/status').read().split('Cpus_allowed_list:')[1].split()[0]\n" +
    "def spin(s):\n  end = time.process_time() + s\n  while time.process_time() < end: pass\n" +
    "def say(*words):\n  os.write(1, (' '.join(map(str, words)) + '\\n').encode())\n" +
    body,
];

describe("co-scheduling (cosched.h)", () => {
  // Other work on the machine (the suite's other files) would make the tracer spread its tasks for
  // contention, as it should; the tracer runs ahead of it here (nice -10: root), so that each
  // case sees the decisions its own tasks cause.
  let ahead: string;
  beforeAll(() => {
    ahead = join(tempDir("cosched-bin"), "trace-ahead");
    writeFileSync(ahead, `#!/bin/sh\nexec nice -n -10 ${tracer} "$@"\n`, { mode: 0o755 });
  });
  const traceAhead = (command: string[]) => trace(command, [], "", undefined, ahead);
  const ownList = () => readFileSync("/proc/self/status", "utf8").match(/Cpus_allowed_list:\s*(\S+)/)![1]!;
  const untraced = () => cpuList(ownList());
  /** What a pinned task's mask is: one of the allowed CPUs, unless only one is allowed. */
  const expectPinned = (seen: number[]) => {
    const allowed = untraced();
    expect(seen).toEqual(allowed.length > 1 ? [expect.any(Number)] : allowed);
    expect(allowed).toContain(seen[0]);
  };

  it("keeps a lone task on one of its CPUs, the tracer's", async () => {
    // grep reads its mask at once: before the first window (100 ms) could spread anything.
    const { status, stdout } = await traceAhead(["grep", "-Po", "(?<=Cpus_allowed_list:\t).*", "/proc/self/status"]);
    expect(status).toBe(0);
    expectPinned(cpuList(stdout));
  });

  it("shows a program that asks for its CPUs, and the processes it makes, the mask they have untraced", async () => {
    const body = "say(sorted(os.sched_getaffinity(0)), mask())\nif os.fork() == 0:\n  say(mask())\n  os._exit(0)\nos.wait()";
    const { status, stdout } = await traceAhead(py(body));
    expect(status).toBe(0);
    expect(stdout).toBe(`[${untraced().join(", ")}] ${ownList()}\n${ownList()}\n`);
    const nproc = await traceAhead(["nproc"]);
    expect(Number(nproc.stdout)).toBe(untraced().length);
  });

  it("gives the task another one asks about its mask back first", async () => {
    // A thread asks for the process's (the main thread's) mask by pid.
    const body = "seen = []\nt = threading.Thread(target=lambda: seen.append(sorted(os.sched_getaffinity(os.getpid()))))\nt.start()\nt.join()\nsay(seen[0], mask())";
    const { status, stdout } = await traceAhead(py(body));
    expect(status).toBe(0);
    expect(stdout).toBe(`[${untraced().join(", ")}] ${ownList()}\n`);
  });

  it("gives a task that changes its ids its mask back first", async () => {
    const { status, stdout } = await traceAhead(py("u = os.getuid()\nos.setresuid(u, u, u)\nsay(mask())"));
    expect(status).toBe(0);
    expect(cpuList(stdout)).toEqual(untraced());
  });

  it("gives two busy processes their CPUs back while both are busy", async () => {
    // Each spins for 1.2 s of CPU and reports its mask half-way, when the other is busy too.
    const { status, stdout } = await traceAhead(py("pid = os.fork()\nspin(0.6)\nsay(mask())\nspin(0.6)\nif pid: os.wait()"));
    expect(status).toBe(0);
    expect(stdout.trim().split("\n").map(cpuList)).toEqual([untraced(), untraced()]);
  }, 30_000);

  it("never moves a released task's child again: not when two others spread the tasks, nor when they are pinned again", async () => {
    // The asker's child waits while two spinners make the tracer spread every task (each reports
    // its mask half-way) and, once they are done, until the shell sees a new process of its own
    // pinned again (flag file); then it reports its mask.
    const flag = join(tempDir("cosched"), "repinned");
    const asker = py("os.sched_getaffinity(0)\nif os.fork() == 0:\n  while not os.path.exists(sys.argv[1]): time.sleep(0.05)\n  say('child', mask())\n  os._exit(0)\nos.wait()");
    const spinner = py("spin(0.5)\nsay('spinner', mask())\nspin(0.5)");
    const script = [
      'python3 -c "$1" "$3" & asker=$!',
      'python3 -c "$2" & a=$!; python3 -c "$2" & b=$!; wait $a $b',
      'for i in $(seq 100); do m=$(grep -Po "(?<=Cpus_allowed_list:\t).*" /proc/self/status); case $m in *[-,]*) sleep 0.1;; *) break;; esac; done',
      'echo "shell $m"; touch "$3"; wait $asker',
    ].join("\n");
    const { status, stdout } = await traceAhead(["sh", "-c", script, "sh", asker[2]!, spinner[2]!, flag]);
    expect(status).toBe(0);
    const lines = stdout.trim().split("\n").map((l) => l.split(" ") as [string, string]).sort();
    expect(lines.map(([who]) => who)).toEqual(["child", "shell", "spinner", "spinner"]);
    for (const [who, mask] of lines) if (who !== "shell") expect(cpuList(mask), who).toEqual(untraced());
    expectPinned(cpuList(Object.fromEntries(lines).shell!));
  }, 30_000);
});
