// Builds the tracer and the C test programs, runs the tracer and parses its JSON Lines log.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repo = fileURLToPath(new URL("../..", import.meta.url));
export const distDir = join(repo, "dist");
export const tracer = join(distDir, "sidebundle-trace");
const programs = fileURLToPath(new URL("programs/", import.meta.url));

const tempDirs: string[] = [];

/** A fresh directory (symlinks resolved, so paths match the tracer's), removed by removeTempDirs(). */
export function tempDir(name: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `sidebundle-tracer-${name}-`)));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface TraceEvent {
  type: "exec" | "spawn" | "file" | "exit" | "end" | "unavailable";
  pid: number;
  [field: string]: unknown;
}

/** Builds dist/sidebundle-trace; make is idempotent, the lock serialises test files running in parallel. */
export function buildTracer(): void {
  const dir = join(repo, "tracer-static");
  execFileSync("flock", [dir, "make", "-s", "-C", dir], { stdio: ["ignore", "ignore", "inherit"] });
}

/** The tracer, and the C test programs built into a fresh directory. */
export function buildAll(): { hop64: string; hop32: string; scenarios: string; drop64: string; drop32: string } {
  buildTracer();
  const out = tempDir("bin");
  const gcc = (src: string, exe: string, flags: string[]) => {
    execFileSync("gcc", ["-O1", "-Wall", "-Werror", ...flags, "-o", join(out, exe), join(programs, src)]);
    return join(out, exe);
  };
  return {
    hop64: gcc("hop.c", "hop64", []),
    hop32: gcc("hop.c", "hop32", ["-m32"]),
    scenarios: gcc("scenarios.c", "scenarios", ["-pthread"]),
    // Static: they run in a container.
    drop64: gcc("drop.c", "drop64", ["-static"]),
    drop32: gcc("drop.c", "drop32", ["-m32", "-static"]),
  };
}

/** The tracer before outcomes were derived at entry (two stops per traced call): the differential tests' and the benchmark's baseline. */
export const BASELINE_COMMIT = "7a37b5ae58fb782dddf46aadcf9f8563c2bb87c4";

/** The tracer before co-scheduling (src/cosched.c): the same stops, the tracer and its tracees on any CPU; the benchmark's. */
export const UNPINNED_COMMIT = "2cc57a69d4c95d149e5fc8b72d60941c571d3efe";

/** Builds the tracer of `commit`, taken from the repository's history, under dir; returns its path. */
export function buildTracerAt(commit: string, dir: string): string {
  execFileSync("sh", ["-c", 'git -C "$1" archive "$2" tracer-static | tar -x -C "$3"', "sh", repo, commit, dir]);
  execFileSync("make", ["-s", "-C", join(dir, "tracer-static"), "../dist/sidebundle-trace"], { stdio: ["ignore", "ignore", "inherit"] });
  return join(dir, "dist", "sidebundle-trace");
}

/**
 * Runs `bin` on command under strace, which counts the tracer's wait4 calls that reported a
 * stopped tracee (through a pipe: no file of every call): the ptrace stops. Returns them with the log.
 */
export function countStops(bin: string, command: string[], cwd?: string): { stops: number; events: TraceEvent[] } {
  const dir = tempDir("stops");
  const [count, log] = [join(dir, "stops"), join(dir, "log.jsonl")];
  const run = spawnSync("strace", ["-e", "trace=wait4", "-o", `|grep -c WIFSTOPPED >${count}`, bin, "--output", log, "--", ...command], {
    cwd,
    stdio: "ignore",
  });
  if (run.status !== 0) throw new Error(`${command.join(" ")} under strace and ${bin} exited ${run.status}`);
  const stops = Number(readFileSync(count, "utf8"));
  const events = parseLog(readFileSync(log, "utf8"));
  rmSync(dir, { recursive: true, force: true }); // a find walk's log is tens of megabytes
  return { stops, events };
}

export interface Traced {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  events: TraceEvent[];
}

export function parseLog(text: string): TraceEvent[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as TraceEvent);
}

/** Runs the tracer (`bin`) with `options` on `command`, feeding `input` to its stdin; `started` gets the tracer's pid. */
export function trace(command: string[], options: string[] = [], input = "", started?: (pid: number) => void, bin = tracer): Promise<Traced> {
  const log = join(tempDir("log"), "log.jsonl");
  const child = spawn(bin, ["--output", log, ...options, "--", ...command]);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  // A command that exits without reading its stdin closes the pipe under us.
  child.stdin.on("error", () => {});
  child.stdin.end(input);
  if (child.pid !== undefined) started?.(child.pid);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status, signal) => {
      let text = "";
      try {
        text = readFileSync(log, "utf8");
      } catch {
        // No log at all is asserted on by the callers that expect one.
      }
      resolve({ status, signal, stdout, stderr, events: parseLog(text) });
    });
  });
}

export function ofType(events: TraceEvent[], type: TraceEvent["type"]): TraceEvent[] {
  return events.filter((e) => e.type === type);
}

/** File events whose resolved path lies under dir, without the fields that vary between runs. */
export function filesUnder(events: TraceEvent[], dir: string): Record<string, unknown>[] {
  return ofType(events, "file")
    .filter((e) => typeof e.abs === "string" && (e.abs === dir || e.abs.startsWith(dir + "/")))
    .map(({ type: _t, ppid: _p, exe: _e, ...rest }) => rest);
}

export function endOf(events: TraceEvent[]): TraceEvent {
  const end = events[events.length - 1];
  if (end?.type !== "end") throw new Error(`log does not end with an end event: ${JSON.stringify(end)}`);
  return end;
}

const AT_EMPTY_PATH = 0x1000;
const FD_STATS = new Set(["newfstatat", "fstatat64", "statx"]);

/** A stat call on a descriptor (AT_EMPTY_PATH): logged by the baseline, not traced any more. */
export function isFdStat(e: TraceEvent): boolean {
  return e.type === "file" && FD_STATS.has(e.syscall as string) && ((e.flags as number) & AT_EMPTY_PATH) !== 0;
}

/**
 * Each process's events in order, the process named by its place in the tree ("root", "root.0"
 * for its first child...), without pids and fd stats, with the tracer's own path as "<tracer>"
 * and dir as "<dir>": what two runs of the same program have in common. Events of different
 * processes interleave freely.
 */
export function perProcess(events: TraceEvent[], tracerPath: string, dir?: string): Record<string, Record<string, unknown>[]> {
  const names = new Map<number, string>([[endOf(events).rootPid as number, "root"]]);
  const spawned = new Map<string, number>();
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const event of events) {
    if (event.type === "end" || isFdStat(event)) continue;
    if (event.type === "spawn") {
      const parent = names.get(event.ppid as number) ?? "?";
      const n = spawned.get(parent) ?? 0;
      spawned.set(parent, n + 1);
      names.set(event.pid, `${parent}.${n}`);
    }
    const { pid, ppid: _p, tgid: _g, tid: _t, ...rest } = event;
    const text = JSON.stringify({ ...rest, ...(rest.exe === tracerPath ? { exe: "<tracer>" } : {}) });
    (out[names.get(pid) ?? "?"] ??= []).push(JSON.parse(dir ? text.split(dir).join("<dir>") : text));
  }
  return out;
}
