// The tracer that derives lookups' outcomes at entry against the one that stopped at every
// call's exit (built from BASELINE_COMMIT): on the same programs, the logs say the same thing
// call by call. The only difference allowed is by design: stat calls with AT_EMPTY_PATH (fstat
// on a descriptor) are not traced any more.
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BASELINE_COMMIT,
  buildAll,
  buildTracerAt,
  countStops,
  endOf,
  isFdStat,
  perProcess,
  removeTempDirs,
  tempDir,
  trace,
  tracer,
  type TraceEvent,
} from "./helpers.js";

const PYTHON = ["/usr/bin/python3", "-c", "import json, decimal, sqlite3, ssl, email.parser, http.client, xml.dom.minidom, argparse, logging"];

let bin: ReturnType<typeof buildAll>;
let baseline: string;
beforeAll(() => {
  bin = buildAll();
  baseline = buildTracerAt(BASELINE_COMMIT, tempDir("baseline"));
  // Python writes its bytecode caches on a first run: both traced runs must find them made.
  execFileSync(PYTHON[0]!, PYTHON.slice(1));
}, 120_000);
afterAll(removeTempDirs);

/**
 * Runs the command `run` makes for a fresh fixture directory under both tracers, one after the
 * other, and compares their logs; returns the common one.
 */
async function compare(run: (dir: string) => { command: string[]; options?: string[] }): Promise<Record<string, Record<string, unknown>[]>> {
  const logs = [];
  for (const tracerPath of [baseline, tracer]) {
    const dir = fixture();
    const { command, options } = run(dir);
    const traced = await trace(command, options, "", undefined, tracerPath);
    logs.push({ ...traced, log: perProcess(traced.events, tracerPath, dir) });
  }
  const [before, after] = logs as [(typeof logs)[0], (typeof logs)[0]];
  expect(after.status).toBe(before.status);
  expect(after.stdout).toBe(before.stdout);
  expect(after.events.filter(isFdStat)).toEqual([]);
  expect(after.log).toEqual(before.log);
  return before.log;
}

/** a.txt, sub/, link -> a.txt, loop -> loop, dangling -> nope. */
function fixture(): string {
  const dir = tempDir("fixture");
  mkdirSync(join(dir, "sub"));
  writeFileSync(join(dir, "a.txt"), "contents of a\n");
  symlinkSync("a.txt", join(dir, "link"));
  symlinkSync("loop", join(dir, "loop"));
  symlinkSync("nope", join(dir, "dangling"));
  return dir;
}

describe("the same log as the tracer that stopped at every exit", () => {
  it("python start-up importing json, decimal, sqlite3, ssl, email, http, xml, argparse, logging", async () => {
    const logged = await compare(() => ({ command: PYTHON }));
    // Hits and misses of every kind the start-up makes, so that the comparison covers them.
    const files = logged.root!.filter((e) => e.type === "file");
    expect(files.filter((e) => e.syscall === "openat" && (e.result as number) >= 0).length).toBeGreaterThan(50);
    expect(files.filter((e) => e.syscall === "newfstatat" && e.errno === "ENOENT").length).toBeGreaterThan(10);
    expect(files.some((e) => e.syscall === "getdents64")).toBe(true);
  });

  it("a shell pipeline that makes, moves and removes files, names that JSON escapes included", async () => {
    const script =
      "cat /etc/passwd a.txt | grep -v nologin | sort | uniq -c | wc -l >count; mkdir d; cp count d/f; mv d/f d/g; " +
      "touch \"$(printf 'a\\377b')\" 'q\"uote' 'back\\slash' \"$(printf 'tab\\there')\" 'é€😀'; " +
      "ls -l d link . >/dev/null; cat d/nope 2>/dev/null; rm -r d count; test -e count || echo gone";
    const logged = await compare((dir) => ({ command: ["sh", "-c", script], options: ["--cwd", dir] }));
    expect(Object.keys(logged).length).toBeGreaterThan(8);
  });

  it.each(["dirfd-openat", "openat2", "relative", "unlinked", "made", "listdir"])("scenario %s", async (name) => {
    const logged = await compare((dir) => ({ command: [bin.scenarios, name, dir] }));
    expect(logged.root!.some((e) => typeof e.abs === "string" && /^<dir>(\/|$)/.test(e.abs))).toBe(true);
  });

  // Each call resolved against its dirfd as it is at that call: a number that names another
  // directory by now (closed and reused, dup2, a thread's change, closed on exec), a renamed or
  // removed one, fchdir, a fork. (A cache of dirfds' paths must keep these right.)
  it("directory fds reused, replaced, renamed, removed, shared by threads, copied by fork, closed on exec", async () => {
    const logged = await compare((dir) => ({ command: [bin.scenarios, "dirfds", dir] }));
    const stats = (log: Record<string, unknown>[] | undefined) =>
      (log ?? []).filter((e) => e.syscall === "newfstatat").map((e) => `${e.abs as string} ${(e.errno as string | undefined) ?? "ok"}`);
    expect(stats(logged.root)).toEqual([
      "<dir>/a.txt ok",
      "<dir>/sub/a.txt ENOENT",
      "<dir>/sub/a.txt ENOENT",
      "<dir>/a.txt ok",
      "<dir>/a.txt ok",
      "<dir>/a.txt ok",
      "<dir>/sub/a.txt ENOENT",
      "<dir>/a.txt ok",
      "<dir>/sub/r1/x ENOENT",
      "<dir>/sub/r2/x ENOENT",
      "<dir>/sub/gone/x ENOENT",
      "<dir>/sub/gone (deleted)/x ENOENT",
      "<dir>/a.txt ok",
      "<dir>/sub/a.txt ENOENT",
      "<dir>/a.txt ok",
      "<dir>/a.txt ok",
      "<dir>/sub/a.txt ENOENT", // after the exec
    ]);
    expect(stats(logged["root.1"])).toEqual(["<dir>/a.txt ok", "<dir>/sub/a.txt ENOENT"]);
  });

  it("failures: misses, wrong types, rejected flags, a truncated readlink, failed execs", async () => {
    const logged = await compare((dir) => ({ command: [bin.scenarios, "lookups", dir] }));
    const files = logged.root!.filter((e) => typeof e.abs === "string" && e.abs.startsWith("<dir>/"));
    const errnos = new Set(files.map((e) => e.errno).filter((e) => e !== undefined));
    expect([...errnos].sort()).toEqual(["EACCES", "EINVAL", "EISDIR", "ELOOP", "ENAMETOOLONG", "ENOENT", "ENOTDIR"]);
    expect(files).toContainEqual(expect.objectContaining({ syscall: "readlink", path: "link", result: 3 }));
  });
});

describe("fewer stops", () => {
  it("python start-up: at most 1.2 stops per logged event, where the baseline made 2", () => {
    const after = countStops(tracer, PYTHON);
    const before = countStops(baseline, PYTHON);
    const perEvent = (r: { stops: number; events: TraceEvent[] }) => r.stops / (r.events.length - 1);
    expect(perEvent(before)).toBeGreaterThan(1.9);
    expect(perEvent(after)).toBeLessThanOrEqual(1.2);
  });
});

describe("derived outcomes and calls that change names", () => {
  // A child creates and removes a file while its parent stats it: each stat the log shows as a
  // hit or a miss must be what the parent saw (it prints 1 or 0 per call).
  it("never log another outcome than the program saw", async () => {
    const dir = tempDir("race");
    const n = 3000;
    const { status, stdout, events } = await trace([bin.scenarios, "race", join(dir, "racing"), String(n)]);
    expect(status).toBe(0);
    const root = endOf(events).rootPid;
    const logged = events
      .filter((e) => e.pid === root && e.syscall === "newfstatat" && e.abs === join(dir, "racing"))
      .map((e) => ((e.result as number) === 0 ? "1" : "0"))
      .join("");
    expect(stdout).toHaveLength(n);
    expect(logged).toBe(stdout);
    // Both outcomes occurred: the calls did race.
    expect(stdout).toMatch(/0/);
    expect(stdout).toMatch(/1/);
  }, 60_000);

  // Its window would stay open: a zombie leader is reported only when its last thread ends.
  it("a thread-group leader that exits right after a derived call does not hold a later call back", async () => {
    const dir = tempDir("leader");
    const path = join(dir, "made");
    const { status, events } = await trace([bin.scenarios, "leader-exit", path], ["--timeout", "20s"]);
    expect(status).toBe(0);
    expect(events.filter((e) => e.abs === path).map((e) => [e.syscall, e.errno ?? "ok"])).toEqual([
      ["newfstatat", "ENOENT"],
      ["openat", "ok"],
      ["unlink", "ok"],
    ]);
  }, 30_000);
});
