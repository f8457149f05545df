// The strongest check of a plan: copy only its files into an empty root and run the program
// there. With a real trace (sidebundle-trace's, or strace's converted) python3 runs the traced
// code; from the static closure alone it cannot even find its standard library.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { computeClosure, HostFS, type Plan } from "../../frontend/closure/index.js";
import { materialize } from "./helpers.js";
import { debianRootfs } from "./rootfs.js";
import { straceInRoot, tracerInRoot } from "./traces.js";

let root: string;

beforeAll(() => {
  root = debianRootfs();
});

const SCRIPT = "import json, ssl, sqlite3, subprocess; print(json.dumps(subprocess.run(['true']).returncode))";

/** Runs `argv` chrooted into a fresh directory holding only the plan's files. */
function runPlanned(plan: Plan, argv: string[]) {
  const dir = mkdtempSync(`${tmpdir()}/closure-run-`);
  try {
    materialize(plan, root, dir);
    return spawnSync("chroot", [dir, ...argv], { env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" }, encoding: "utf8" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("a plan is enough to run the program", () => {
  it.each([
    ["sidebundle-trace", tracerInRoot],
    ["strace", straceInRoot],
  ])("python3 traced by %s runs the traced script in a root holding only the plan", async (_tracer, traceInRoot) => {
    const trace = traceInRoot(root, ["/usr/bin/python3", "-c", SCRIPT]);
    expect(trace.filter((e) => e.type === "file").length).toBeGreaterThan(100);
    const plan = await computeClosure(new HostFS(root), { entries: ["/usr/bin/python3"], trace });
    expect(plan.entries.map((e) => e.path)).not.toContain("/usr/sbin/chroot");
    const run = runPlanned(plan, ["/usr/bin/python3", "-c", SCRIPT]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("0\n");
  });

  // Static closures only: the ELF closure, the loader's configuration and the rules' files.
  it.each([
    [["/usr/bin/hello"], /^Hello, world!\n$/], // i386 glibc
    [["/usr/bin/greet-musl"], /^hello from musl\n$/], // its library is found through /etc/ld-musl-x86_64.path
    [["/usr/bin/id"], /^uid=0\(root\) gid=0\(root\)/], // names from /etc/passwd and /etc/group (nss rule)
    [["/usr/bin/curl", "--version"], /OpenSSL\/3/],
    [["/usr/bin/openssl", "version"], /^OpenSSL 3/],
    [["/usr/bin/sqlite3", "--version"], /^3\.\d+/],
    [["/usr/bin/convert", "-version"], /ImageMagick/],
    [["/usr/bin/busybox", "echo", "hi"], /^hi\n$/],
  ])("%j runs from its static closure", async (argv, expected) => {
    const run = runPlanned(await computeClosure(new HostFS(root), { entries: [argv[0]!] }), argv);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(expected);
  });

  it("the static closure alone does not carry python's standard library", async () => {
    const run = runPlanned(await computeClosure(new HostFS(root), { entries: ["/usr/bin/python3"] }), ["/usr/bin/python3", "-c", "import json"]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/encodings|No module named/);
  });
});
