import { describe, expect, it } from "vitest";
import { computeClosure } from "../../frontend/closure/index.js";
import { countedEvents, parseTrace } from "../../frontend/closure/trace.js";
import { elfHeader, memoryRoot } from "./helpers.js";

const exec = (pid: number, ppid: number, abs: string, result = 0) => ({ type: "exec", pid, ppid, exe: "/bin/sh", syscall: "execve", path: abs, abs, argv: [], result });
const open = (pid: number, abs: string) => ({ type: "file", pid, ppid: 0, exe: "x", syscall: "openat", path: abs, abs, flags: 0, result: 3 });
const lines = (events: object[]) => events.map((e) => JSON.stringify(e)).join("\n");

describe("trace log", () => {
  it("rejects a malformed line naming its number", () => {
    expect(() => parseTrace(`${lines([open(1, "/a")])}\n{"type":"nope"}`)).toThrow('trace line 2: unknown event type "nope"');
    expect(() => parseTrace("{oops")).toThrow(/^trace line 1: /);
  });

  it("counts a process from its successful exec of an entry, and its descendants from their spawn", async () => {
    const events = parseTrace(
      lines([
        open(1, "/before"),
        exec(1, 0, "/usr/bin/missing", -2),
        open(1, "/after-failed-exec"),
        exec(1, 0, "/usr/bin/app"),
        open(1, "/counted"),
        { type: "spawn", pid: 2, ppid: 1, exe: "/usr/bin/app", kind: "clone" },
        open(2, "/child"),
        { type: "spawn", pid: 3, ppid: 9, exe: "/bin/sh", kind: "fork" },
        open(3, "/stranger"),
      ]),
    );
    const counted = await countedEvents(events, async (abs) => abs === "/usr/bin/app", false);
    expect(counted.map((e) => e.abs)).toEqual(["/usr/bin/app", "/counted", "/child"]);
  });

  it("counts each log's processes anew: another trace's wrapper shell may have an entry's pid", async () => {
    const end = { type: "end", status: 0, timedOut: false, rootPid: 2 };
    const oneTrace = [exec(2, 1, "/bin/sh"), exec(2, 1, "/usr/bin/app"), open(2, "/counted"), end];
    const events = parseTrace(lines([...oneTrace, ...oneTrace]));
    const counted = await countedEvents(events, async (abs) => abs === "/usr/bin/app", false);
    expect(counted.map((e) => e.abs)).toEqual(["/usr/bin/app", "/counted"]);
  });
});

describe("damaged files", () => {
  const root = memoryRoot({ "/bin/broken": { file: elfHeader(1) }, "/bin/ok": { file: elfHeader(0) } });

  it("warns about an ELF file whose program headers lie past its end and keeps the file", async () => {
    const plan = await computeClosure(root, { entries: ["/bin/ok"], include: ["/bin/broken"] });
    expect(plan.entries.map((e) => e.path)).toEqual(["/bin", "/bin/broken", "/bin/ok"]);
    expect(plan.warnings).toEqual([{ kind: "bad-elf", message: "/bin/broken: truncated ELF program headers" }]);
  });

  it("fails on such an entry, which the kernel cannot run", async () => {
    await expect(computeClosure(root, { entries: ["/bin/broken"] })).rejects.toThrow("entry /bin/broken: /bin/broken is a damaged ELF file (truncated ELF program headers): the kernel cannot run it");
  });
});

describe("trace paths in the plan", () => {
  const root = memoryRoot({
    "/usr/bin/app": { file: "#!/bin/true\n" },
    "/bin/true": { file: elfHeader(0) },
    "/etc/loop": { symlink: "/etc/loop" },
    "/etc/conf": { symlink: "real.conf" },
    "/etc/real.conf": { file: "x" },
    "/var/cache": { dir: true },
  });

  it("keeps the symlinks on a touched path, directories as dirs, and warns about loops", async () => {
    const trace = parseTrace(
      lines([exec(1, 0, "/usr/bin/app"), open(1, "/etc/conf"), open(1, "/etc/loop"), { ...open(1, "/var/cache"), syscall: "getdents64" }]),
    );
    const plan = await computeClosure(root, { entries: ["/usr/bin/app"], trace });
    const reason = { kind: "trace", syscall: "openat", exe: "x" };
    expect(plan.entries.filter((e) => e.path.startsWith("/etc/") || e.path === "/var/cache")).toEqual([
      { kind: "symlink", path: "/etc/conf", target: "real.conf", reasons: [reason] },
      { kind: "file", path: "/etc/real.conf", size: 1, mode: 0o755, reasons: [reason] },
      { kind: "dir", path: "/var/cache", mode: 0o755, reasons: [{ kind: "trace", syscall: "getdents64", exe: "x" }] },
    ]);
    expect(plan.warnings).toEqual([{ kind: "symlink-loop", path: "/etc/loop", reason }]);
  });

  it("keeps only the link for lstat and AT_SYMLINK_NOFOLLOW, and skips paths the tracer could not read", async () => {
    const trace = parseTrace(
      lines([
        exec(1, 0, "/usr/bin/app"),
        { ...open(1, "/etc/conf"), syscall: "newfstatat", flags: 0x100 },
        { ...open(1, "/etc/conf"), syscall: "lstat" },
        { ...open(1, "/etc/conf"), path: null, abs: null },
      ]),
    );
    const plan = await computeClosure(root, { entries: ["/usr/bin/app"], trace });
    expect(plan.entries.filter((e) => e.path.startsWith("/etc/"))).toEqual([
      { kind: "symlink", path: "/etc/conf", target: "real.conf", reasons: [{ kind: "trace", syscall: "lstat", exe: "x" }, { kind: "trace", syscall: "newfstatat", exe: "x" }] },
    ]);
    expect(plan.warnings).toEqual([{ kind: "unreadable-trace-path", syscall: "openat", exe: "x", calls: 1 }]);
  });

  it("fails on an entry that is a symlink loop, with one line naming it", async () => {
    await expect(computeClosure(root, { entries: ["/etc/loop"] })).rejects.toThrow("entry /etc/loop: too many levels of symlinks");
  });
});
