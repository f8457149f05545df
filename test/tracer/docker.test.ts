// The tracer inside a container with Docker's default seccomp profile and capabilities, as in
// an ordinary BuildKit RUN step: no --privileged, no --cap-add, no --security-opt.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { docker } from "../e2e/docker.js";
import { buildAll, distDir, endOf, filesUnder, ofType, parseLog, removeTempDirs, tempDir } from "./helpers.js";

let bin: ReturnType<typeof buildAll>;
beforeAll(() => {
  bin = buildAll();
});
afterAll(removeTempDirs);

it("traces in a default-profile container, as its pid 1", async () => {
  const out = tempDir("docker");
  const script = "cat /etc/debian_version >/dev/null; ls /usr/share/doc >/dev/null; cat /nonexistent 2>/dev/null; exit 5";
  const run = await docker(["run", "--rm", "-v", `${distDir}:/sb:ro`, "-v", `${out}:/out`, "debian:bookworm-slim",
    "/sb/sidebundle-trace", "--output", "/out/log.jsonl", "--", "sh", "-c", script]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(5);
  const events = parseLog(readFileSync(join(out, "log.jsonl"), "utf8"));
  const rootPid = endOf(events).rootPid;
  expect(endOf(events)).toEqual({ type: "end", status: 5, timedOut: false, rootPid });
  // PATH lookup: failed attempts, then /usr/bin/sh, exec'd by the tracer (pid 1 in the container).
  expect(ofType(events, "exec").find((e) => e.result === 0)).toMatchObject({ pid: rootPid, ppid: 1, exe: "/sb/sidebundle-trace", abs: "/usr/bin/sh" });
  const files = ofType(events, "file");
  expect(files.find((e) => e.abs === "/etc/debian_version")).toMatchObject({ syscall: "openat", exe: "/usr/bin/cat", result: 3 });
  expect(files.find((e) => e.abs === "/nonexistent")).toMatchObject({ syscall: "openat", result: -2, errno: "ENOENT" });
  expect(files.some((e) => e.syscall === "getdents64" && e.abs === "/usr/share/doc")).toBe(true);
  expect(ofType(events, "exit").at(-1)).toEqual({ type: "exit", pid: rootPid, code: 5 });
});

it("reads paths through /proc/<pid>/mem where process_vm_readv is denied (Docker 20.10's profile)", async () => {
  const out = tempDir("docker");
  const profile = join(out, "seccomp.json");
  writeFileSync(profile, JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["process_vm_readv"], action: "SCMP_ACT_ERRNO" }] }));
  const run = await docker(["run", "--rm", "--security-opt", `seccomp=${profile}`, "-v", `${distDir}:/sb:ro`, "-v", `${out}:/out`,
    "debian:bookworm-slim", "/sb/sidebundle-trace", "--output", "/out/log.jsonl", "--", "cat", "/etc/debian_version"]);
  expect(run.code).toBe(0);
  const events = parseLog(readFileSync(join(out, "log.jsonl"), "utf8"));
  expect(ofType(events, "exec").find((e) => e.result === 0)).toMatchObject({ abs: "/usr/bin/cat", argv: ["cat", "/etc/debian_version"] });
  expect(ofType(events, "file").find((e) => e.abs === "/etc/debian_version")).toMatchObject({ path: "/etc/debian_version", result: 3 });
});

// A worker that drops privileges becomes non-dumpable: without the tracer's help its memory and
// its /proc links (cwd) could no longer be read in a step without CAP_SYS_PTRACE.
it.each(["drop64", "drop32"] as const)("reads the paths of a process that dropped to nobody (%s)", async (name) => {
  const dir = tempDir("drop");
  mkdirSync(join(dir, "sub"));
  for (const [file, text] of [["a.txt", "a"], ["b.txt", "b"], ["sub/c.txt", "c"]]) writeFileSync(join(dir, file), text);
  for (const path of [dir, join(dir, "sub")]) chmodSync(path, 0o777);
  const out = tempDir("docker");
  const run = await docker(["run", "--rm", "-v", `${distDir}:/sb:ro`, "-v", `${out}:/out`, "-v", `${bin[name]}:/drop:ro`, "-v", `${dir}:${dir}`,
    "debian:bookworm-slim", "/sb/sidebundle-trace", "--output", "/out/log.jsonl", "--", "/drop", dir]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  const events = parseLog(readFileSync(join(out, "log.jsonl"), "utf8"));
  const pid = endOf(events).rootPid;
  const child = ofType(events, "spawn")[0]!.pid;
  expect(filesUnder(events, dir)).toEqual([
    { pid, syscall: "chdir", path: dir, abs: dir, result: 0 },
    { pid, syscall: "openat", path: "a.txt", abs: `${dir}/a.txt`, flags: 0, result: 3 },
    { pid, syscall: "openat", path: `${dir}/sub/../b.txt`, abs: `${dir}/b.txt`, flags: 0, result: 3 },
    { pid, syscall: "mkdir", path: "made", abs: `${dir}/made`, result: 0 },
    { pid: child, syscall: "openat", path: "sub/c.txt", abs: `${dir}/sub/c.txt`, flags: 0, result: 3 },
  ]);
  expect(ofType(events, "file").filter((e) => e.path === null || (e.abs === null && e.path !== ""))).toEqual([]);
});
