// State a program writes at run time: the directories it makes its files in must be in the
// bundle with the source's modes and owners, and calls whose paths the tracer could not read are
// warnings, never dropped silently.
import { beforeAll, describe, expect, it } from "vitest";
import { computeClosure, HostFS, type PlanEntry } from "../../frontend/closure/index.js";
import { parseTrace } from "../../frontend/closure/trace.js";
import { elfHeader, memoryRoot } from "./helpers.js";
import { debianRootfs } from "./rootfs.js";
import { tracerInRoot } from "./traces.js";

const O_WRONLY_CREAT_APPEND = 0o2101;
const O_RDWR = 0o2;
const exec = { type: "exec", pid: 1, ppid: 0, exe: "/bin/sh", syscall: "execve", path: "/usr/sbin/app", abs: "/usr/sbin/app", argv: [], result: 0 };
const call = (syscall: string, abs: string | null, more: object = {}) => ({ type: "file", pid: 1, ppid: 0, exe: "/usr/sbin/app", syscall, path: abs, abs, result: 0, ...more });
const lines = (events: object[]) => events.map((e) => JSON.stringify(e)).join("\n");
const dirs = (entries: PlanEntry[]) => entries.filter((e) => e.kind === "dir").map(({ reasons: _r, ...dir }) => dir);

describe("directories of run-time state", () => {
  const root = memoryRoot({
    "/usr/sbin/app": { file: elfHeader(0) },
    "/var/lib/app/cache": { dir: true, mode: 0o750, uid: 33, gid: 33 },
    "/var/lib/app": { dir: true, mode: 0o750, uid: 33, gid: 33 },
    "/var/log": { dir: true, mode: 0o755, gid: 4 },
    "/var/run": { symlink: "/run" },
    "/run": { dir: true, mode: 0o755 },
    "/srv/data": { dir: true, mode: 0o700, uid: 1000, gid: 1000 },
    "/etc/app.conf": { file: "x", mode: 0o644 },
  });

  it("keeps every source directory on the path of what was made, renamed, bound or opened for writing", async () => {
    const trace = parseTrace(
      lines([
        exec,
        call("mkdir", "/var/lib/app/body/client"),
        call("openat", "/var/log/app/access.log", { flags: O_WRONLY_CREAT_APPEND, result: -2, errno: "ENOENT" }),
        call("openat", "/var/run/app.pid", { flags: O_WRONLY_CREAT_APPEND, result: 3 }),
        call("bind", "/var/lib/app/cache/sock"),
        call("renameat2", "/tmp/x", { abs2: "/srv/data/x", path2: "/srv/data/x", flags: 0 }),
        call("openat", "/etc/app.conf", { flags: 0, result: 3 }),
      ]),
    );
    const plan = await computeClosure(root, { entries: ["/usr/sbin/app"], trace });
    expect(dirs(plan.entries)).toEqual([
      { kind: "dir", path: "/etc", mode: 0o755 },
      { kind: "dir", path: "/run", mode: 0o755 },
      { kind: "dir", path: "/srv", mode: 0o755 },
      { kind: "dir", path: "/srv/data", mode: 0o700, owner: { uid: 1000, gid: 1000 } },
      { kind: "dir", path: "/usr", mode: 0o755 },
      { kind: "dir", path: "/usr/sbin", mode: 0o755 },
      { kind: "dir", path: "/var", mode: 0o755 },
      { kind: "dir", path: "/var/lib", mode: 0o755 },
      { kind: "dir", path: "/var/lib/app", mode: 0o750, owner: { uid: 33, gid: 33 } },
      { kind: "dir", path: "/var/lib/app/cache", mode: 0o750, owner: { uid: 33, gid: 33 } },
      { kind: "dir", path: "/var/log", mode: 0o755, owner: { uid: 0, gid: 4 } },
    ]);
    expect(plan.entries.find((e) => e.path === "/var/run")).toEqual({ kind: "symlink", path: "/var/run", target: "/run", reasons: [{ kind: "trace", syscall: "openat", exe: "/usr/sbin/app" }] });
    expect(plan.entries.find((e) => e.path === "/var/lib/app")?.reasons).toEqual([
      { kind: "trace", syscall: "bind", exe: "/usr/sbin/app" },
      { kind: "trace", syscall: "mkdir", exe: "/usr/sbin/app" },
    ]);
    expect(plan.warnings).toEqual([]);
  });

  it("does not keep the directories of what was only read", async () => {
    const trace = parseTrace(lines([exec, call("openat", "/srv/data/missing", { flags: 0, result: -2, errno: "ENOENT" }), call("stat", "/var/lib/app/cache/x", { result: -2 })]));
    const plan = await computeClosure(root, { entries: ["/usr/sbin/app"], trace });
    expect(plan.entries.map((e) => e.path)).toEqual(["/usr", "/usr/sbin", "/usr/sbin/app"]);
  });

  it("counts an open for reading and writing as a write", async () => {
    const trace = parseTrace(lines([exec, call("openat", "/srv/data/db", { flags: O_RDWR, result: -2, errno: "ENOENT" })]));
    const plan = await computeClosure(root, { entries: ["/usr/sbin/app"], trace });
    expect(plan.entries.find((e) => e.path === "/srv/data")).toMatchObject({ kind: "dir", mode: 0o700, owner: { uid: 1000, gid: 1000 } });
  });

  it("gives a root filesystem /tmp and /var/tmp, and the source's /run", async () => {
    const plan = await computeClosure(root, { entries: ["/usr/sbin/app"], baseDirs: true });
    expect(dirs(plan.entries).filter((d) => ["/tmp", "/var/tmp", "/run"].includes(d.path))).toEqual([
      { kind: "dir", path: "/run", mode: 0o755 },
      { kind: "dir", path: "/tmp", mode: 0o1777 },
      { kind: "dir", path: "/var/tmp", mode: 0o1777 },
    ]);
    const withoutRun = memoryRoot({ "/usr/sbin/app": { file: elfHeader(0) } });
    const bare = await computeClosure(withoutRun, { entries: ["/usr/sbin/app"], baseDirs: true });
    expect(bare.entries.map((e) => e.path)).toEqual(["/tmp", "/usr", "/usr/sbin", "/usr/sbin/app", "/var", "/var/tmp"]);
  });

  it("warns, per process and call, about calls whose path could not be read", async () => {
    const worker = { pid: 7, exe: "/usr/sbin/nginx" };
    const trace = parseTrace(
      lines([
        exec,
        { type: "spawn", pid: 7, ppid: 1, exe: "/usr/sbin/nginx", kind: "fork" },
        call("openat", null, { ...worker, flags: 0, result: 5 }),
        call("openat", null, { ...worker, flags: 0, result: -2, errno: "ENOENT" }),
        call("newfstatat", null, { ...worker, path: "index.html", flags: 0 }),
        call("rename", "/var/lib/app/a", { ...worker, abs2: null, path2: null }),
        // fstat of a pipe: the fd names no file, nothing is lost.
        call("newfstatat", null, { path: "", flags: 0x1000 }),
      ]),
    );
    const plan = await computeClosure(root, { entries: ["/usr/sbin/app"], trace });
    expect(plan.warnings).toEqual([
      { kind: "unreadable-trace-path", syscall: "newfstatat", exe: "/usr/sbin/nginx", calls: 1 },
      { kind: "unreadable-trace-path", syscall: "openat", exe: "/usr/sbin/nginx", calls: 2 },
      { kind: "unreadable-trace-path", syscall: "rename", exe: "/usr/sbin/nginx", calls: 1 },
    ]);
  });
});

describe("run-time state in the Debian rootfs, traced", () => {
  let root: string;
  beforeAll(() => {
    root = debianRootfs();
  });

  // Neither call changes the (shared, cached) rootfs: /var/mail exists, /var/local/nope does not.
  it("keeps /var/mail (root:mail 2775) and /var/local (root:staff 2775) with their owners", async () => {
    const trace = tracerInRoot(root, ["perl", "-e", 'mkdir "/var/mail"; open(F, ">>", "/var/local/nope/x"); open(G, "<", "/etc/hostname")']);
    const plan = await computeClosure(new HostFS(root), { entries: ["/usr/bin/perl"], trace });
    const kept = (path: string) => plan.entries.find((e) => e.path === path);
    expect(kept("/var/mail")).toEqual({ kind: "dir", path: "/var/mail", mode: 0o2775, owner: { uid: 0, gid: 8 }, reasons: [{ kind: "trace", syscall: "mkdir", exe: "/usr/bin/perl" }] });
    expect(kept("/var/local")).toMatchObject({ kind: "dir", mode: 0o2775, owner: { uid: 0, gid: 50 } });
    expect(kept("/var/local")!.reasons).toEqual([{ kind: "trace", syscall: "openat", exe: "/usr/bin/perl" }]);
    expect(kept("/var/local/nope")).toBeUndefined();
    expect(kept("/var")).toMatchObject({ kind: "dir", mode: 0o755 });
    expect(kept("/var")).not.toHaveProperty("owner");
    expect(plan.warnings).toEqual([]);
  });
});
