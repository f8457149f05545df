// Real traces of commands run chrooted into a rootfs, in the tracer's JSON Lines format: from
// sidebundle-trace itself (dist/, built by `npm run build`) or converted from strace. Both see
// some paths from outside the chroot (strace -y's file descriptors, the tracer's /proc/<pid>/exe
// and cwd); those under ROOT are made relative to it.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { joinPath, normalizePath } from "../../frontend/closure/fs.js";
import { parseTrace, type TraceEvent } from "../../frontend/closure/trace.js";

export const TRACER = "dist/sidebundle-trace";
const CLEAN_ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" };

/** Runs `argv` chrooted into `root` under sidebundle-trace; returns the events. */
export function tracerInRoot(root: string, argv: string[]): TraceEvent[] {
  if (!existsSync(TRACER)) throw new Error(`${TRACER} is missing: run npm run build`);
  const out = `${mkdtempSync(`${tmpdir()}/closure-trace-`)}/trace.jsonl`;
  execFileSync(TRACER, ["--output", out, "--", "chroot", root, ...argv], { env: CLEAN_ENV, stdio: "ignore" });
  const inRoot = relativeTo(root);
  return parseTrace(readFileSync(out, "utf8")).map((event) => {
    if (event.type !== "exec" && event.type !== "file" && event.type !== "spawn") return event;
    const moved = { ...event, exe: inRoot(event.exe) };
    return "abs" in moved && moved.abs !== null ? { ...moved, abs: inRoot(moved.abs) } : moved;
  });
}

/** Maps a host path under `root` into the root; other paths are left alone. */
function relativeTo(root: string): (host: string) => string {
  return (host) => (host === root ? "/" : host.startsWith(`${root}/`) ? host.slice(root.length) : host);
}

const STRACE_SYSCALLS = "trace=%file,%process,getdents64,fchdir";
const SPAWNS: Record<string, "fork" | "vfork" | "clone"> = { fork: "fork", vfork: "vfork", clone: "clone", clone3: "clone" };

/** Runs `argv` chrooted into `root` under strace; returns the events, converted. */
export function straceInRoot(root: string, argv: string[]): TraceEvent[] {
  const out = `${mkdtempSync(`${tmpdir()}/closure-strace-`)}/trace`;
  execFileSync("strace", ["-f", "-y", "-qq", "-s", "4096", "-e", STRACE_SYSCALLS, "-o", out, "chroot", root, ...argv], {
    env: CLEAN_ENV,
    stdio: "ignore",
  });
  return straceToEvents(readFileSync(out, "utf8"), root);
}

export function straceToEvents(text: string, root: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  const exes = new Map<number, string>();
  const parents = new Map<number, number>();
  const unfinished = new Map<number, string>();
  const inRoot = relativeTo(root);
  for (const raw of text.split("\n")) {
    const head = /^(\d+)\s+(.*)$/.exec(raw); // strace pads short pids
    if (!head) continue;
    const pid = Number(head[1]);
    let line = head[2]!;
    if (line.endsWith("<unfinished ...>")) {
      unfinished.set(pid, line.slice(0, -"<unfinished ...>".length));
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(line);
    if (resumed) line = (unfinished.get(pid) ?? "") + resumed[1];
    const exited = /^\+\+\+ exited with (\d+) \+\+\+$/.exec(line);
    if (exited) events.push({ type: "exit", pid, code: Number(exited[1]) });
    const call = /^(\w+)\((.*)\)\s+= (-?\d+)(?:<[^>]*>)?(?: (E\w+))?/.exec(line);
    if (!call) continue;
    const [, syscall, args, resultText, errno] = call as unknown as [string, string, string, string, string | undefined];
    const result = Number(resultText);
    const base = { pid, ppid: parents.get(pid) ?? 0, exe: exes.get(pid) ?? "" };
    const dir = inRoot(/^(?:AT_FDCWD|\d+)<([^>]*)>/.exec(args)?.[1] ?? "/");
    const quoted = /"((?:[^"\\]|\\.)*)"/.exec(args)?.[1];
    if (syscall in SPAWNS && result > 0) {
      parents.set(result, pid);
      exes.set(result, base.exe);
      events.push({ type: "spawn", ...base, pid: result, ppid: pid, kind: SPAWNS[syscall]! });
    } else if ((syscall === "execve" || syscall === "execveat") && quoted !== undefined) {
      const abs = normalizePath(quoted.startsWith("/") ? quoted : joinPath(dir, quoted));
      events.push({ type: "exec", ...base, syscall, path: quoted, abs, argv: [], result: result === 0 ? 0 : -1, ...(errno ? { errno } : {}) });
      if (result === 0) exes.set(pid, abs);
    } else if (syscall === "getdents64" || (quoted === "" && /^\d+</.test(args))) {
      events.push({ type: "file", ...base, syscall, path: "", abs: dir, result });
    } else if (quoted !== undefined && syscall !== "chroot") {
      const abs = quoted.startsWith("/") ? normalizePath(quoted) : joinPath(dir, quoted);
      events.push({ type: "file", ...base, syscall, path: quoted, abs, result, ...(errno ? { errno } : {}) });
    }
  }
  return events;
}
