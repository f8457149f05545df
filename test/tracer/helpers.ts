// Builds the tracer and the C test programs, runs the tracer and parses its JSON Lines log.
import { execFileSync, spawn } from "node:child_process";
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

/** Runs the tracer with `options` on `command`, feeding `input` to its stdin; `started` gets the tracer's pid. */
export function trace(command: string[], options: string[] = [], input = "", started?: (pid: number) => void): Promise<Traced> {
  const log = join(tempDir("log"), "log.jsonl");
  const child = spawn(tracer, ["--output", log, ...options, "--", ...command]);
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
