// resolveBundle, the resolve op's work, on this machine's own root (Debian bookworm) with a real
// trace from sidebundle-trace, and on a small root where a library is missing.
import { execFileSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HostFS } from "../../frontend/closure/index.js";
import { resolveBundle, type Resolved, type ResolveRequest, type TraceLog } from "../../frontend/resolve/resolution.js";
import { TRACER } from "../closure/traces.js";

const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const request = (r: Partial<ResolveRequest>): ResolveRequest => ({
  entries: [],
  env: { PATH },
  include: [],
  exclude: [],
  allowGpuLibs: false,
  skipRules: [],
  strict: false,
  ignore: [],
  launchers: false,
  baseDirs: false,
  traceTimeoutKeeps: false,
  packageMetadata: false,
  ...r,
});

function traceLog(argv: string[], tracerArgs: string[] = []): TraceLog {
  const out = join(mkdtempSync(join(tmpdir(), "sb-resolution-")), "trace.jsonl");
  execFileSync(TRACER, ["--output", out, "--exit-zero", ...tracerArgs, "--", ...argv], { stdio: "ignore" });
  return lines(readFileSync(out, "utf8"));
}

async function* lines(text: string): TraceLog {
  yield* text.split("\n");
}

function sha256sum(path: string): string {
  return execFileSync("sha256sum", [path], { encoding: "utf8" }).split(" ")[0];
}

describe("resolveBundle", () => {
  const host = new HostFS("/");

  it("plans what the trace touched, with every file's sha256 as sha256sum computes it", async () => {
    const log = traceLog(["/usr/bin/python3", "-c", "import json"]);
    const resolved = (await resolveBundle(host, request({ entries: ["python3"] }), [log])) as Resolved;
    const files = resolved.plan.entries.flatMap((e) => (e.kind === "file" ? [e.path] : []));
    expect(files).toContain("/usr/lib/python3.11/json/__init__.py");
    expect(files).toContain("/usr/bin/python3.11");
    expect(Object.keys(resolved.digests)).toEqual([...files].sort());
    for (const path of ["/usr/bin/python3.11", "/usr/lib/python3.11/json/__init__.py"]) expect(resolved.digests[path]).toBe(sha256sum(path));
    expect(resolved.launches).toBeUndefined();
    expect(resolved.untraced).toBeUndefined();
  });

  it("gives each entry's launch spec for a portable bundle", async () => {
    const resolved = (await resolveBundle(host, request({ entries: ["/usr/bin/python3", "sort"], launchers: true }), [])) as Resolved;
    expect(resolved.launches?.["/usr/bin/python3"]).toMatchObject({ program: "/usr/bin/python3.11", argv0: "/usr/bin/python3" });
    expect(resolved.launches?.sort).toMatchObject({ program: "/usr/bin/sort", argv0: "/usr/bin/sort" });
  });

  it("falls back to the entries alone when the trace says ptrace was unavailable", async () => {
    const unavailable = '{"type":"unavailable","call":"PTRACE_SEIZE","error":"Operation not permitted","reason":"Yama ptrace_scope is 3"}\n';
    const resolved = (await resolveBundle(host, request({ entries: ["sort"] }), [lines(unavailable)])) as Resolved;
    expect(resolved.untraced).toBe("PTRACE_SEIZE: Operation not permitted: Yama ptrace_scope is 3");
    expect(resolved.plan.entries.map((e) => e.path)).toContain("/usr/bin/sort");
  });

  it("reports what the user caused as one line: a missing entry, one not executable", async () => {
    expect(await resolveBundle(host, request({ entries: ["no-such-program"] }), [])).toEqual({ error: expect.stringMatching(/no-such-program/) });
    expect(await resolveBundle(host, request({ entries: ["/etc/passwd"] }), [])).toEqual({ error: "entry /etc/passwd is not executable" });
  });

  it("reports a trace whose command failed or ran out of time, with the index of its --trace", async () => {
    const ok = traceLog(["/usr/bin/sort", "--version"]);
    const failed = traceLog(["/usr/bin/sort", "--no-such-option"]);
    const endless = traceLog(["/usr/bin/sleep", "100"], ["--timeout", "200ms"]);
    const req = request({ entries: ["sort"] });
    expect(await resolveBundle(host, req, [ok, failed])).toEqual({ traceFailed: { trace: 1, status: 2, timedOut: false } });
    expect(await resolveBundle(host, req, [endless])).toEqual({ traceFailed: { trace: 0, status: 143, timedOut: true } });
    // With --trace-timeout, stopping it is what the user asked for: what it touched is kept.
    const kept = (await resolveBundle(host, request({ entries: ["sleep"], traceTimeoutKeeps: true }), [endless])) as Resolved;
    expect(kept.plan.entries.map((e) => e.path)).toContain("/usr/bin/sleep");
  });

  it("warns of an unresolved library, and fails on it with --strict", async () => {
    const root = mkdtempSync(join(tmpdir(), "sb-resolution-root-"));
    mkdirSync(join(root, "usr/bin"), { recursive: true });
    copyFileSync("/usr/bin/sort", join(root, "usr/bin/sort"));
    const lenient = (await resolveBundle(new HostFS(root), request({ entries: ["/usr/bin/sort"] }), [])) as Resolved;
    expect(lenient.plan.warnings).toContainEqual({ kind: "unresolved-library", name: "libc.so.6", neededBy: "/usr/bin/sort" });
    const strict = await resolveBundle(new HostFS(root), request({ entries: ["/usr/bin/sort"], strict: true }), []);
    expect(strict).toEqual({ error: expect.stringMatching(/^--strict: .*unresolved: libc\.so\.6 needed by \/usr\/bin\/sort/) });
  });

  it("--strict goes by the kind of warning: an NSS module that nsswitch.conf names and the root lacks stays a warning", async () => {
    const root = mkdtempSync(join(tmpdir(), "sb-resolution-root-"));
    for (const dir of ["usr/bin", "usr/lib/x86_64-linux-gnu", "lib64", "etc"]) mkdirSync(join(root, dir), { recursive: true });
    copyFileSync("/usr/bin/true", join(root, "usr/bin/true"));
    copyFileSync("/lib/x86_64-linux-gnu/libc.so.6", join(root, "usr/lib/x86_64-linux-gnu/libc.so.6"));
    copyFileSync("/lib64/ld-linux-x86-64.so.2", join(root, "lib64/ld-linux-x86-64.so.2"));
    writeFileSync(join(root, "etc/nsswitch.conf"), "passwd: files nothere\n");
    const strict = (await resolveBundle(new HostFS(root), request({ entries: ["/usr/bin/true"], strict: true }), [])) as Resolved;
    expect(strict.plan.warnings).toEqual([{ kind: "nss-module-missing", service: "nothere" }]);
  });

  it("hashes a file over 2 GiB by streaming it", async () => {
    const root = mkdtempSync(join(tmpdir(), "sb-resolution-big-"));
    try {
      mkdirSync(join(root, "usr/bin"), { recursive: true });
      copyFileSync("/usr/bin/true", join(root, "usr/bin/true"));
      mkdirSync(join(root, "data"));
      // Sparse, so it costs no disk: 2.25 GiB, mostly zeros, with bytes at both ends.
      const big = join(root, "data/weights.bin");
      writeFileSync(big, "head");
      truncateSync(big, 2.25 * 2 ** 30 - 4);
      appendFileSync(big, "tail");
      const resolved = await resolveBundle(new HostFS(root), request({ entries: ["/usr/bin/true"], include: ["/data/weights.bin"] }), []);
      expect("error" in resolved ? resolved.error : undefined).toBeUndefined();
      const plan = (resolved as Resolved).plan.entries.find((e) => e.path === "/data/weights.bin");
      expect(plan).toMatchObject({ kind: "file", size: 2.25 * 2 ** 30 });
      expect((resolved as Resolved).digests["/data/weights.bin"]).toBe(sha256sum(big));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 300_000);
});
