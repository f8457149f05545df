// The `sidebundle closure` CLI, bundled the way scripts/build.mjs bundles it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../frontend/closure/index.js";
import { debianRootfs } from "./rootfs.js";

let root: string;
let cli: string;

beforeAll(async () => {
  root = debianRootfs();
  cli = `${mkdtempSync(`${tmpdir()}/closure-cli-`)}/sidebundle.js`;
  const banner = "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";
  await build({ entryPoints: ["frontend/cli/main.ts"], outfile: cli, bundle: true, platform: "node", format: "esm", banner: { js: banner }, logLevel: "warning" });
});

const sidebundle = (...args: string[]) => spawnSync("node", [cli, ...args], { encoding: "utf8" });

describe("sidebundle closure", () => {
  it("prints the plan as JSON with a trace, includes and excludes", () => {
    const trace = `${mkdtempSync(`${tmpdir()}/closure-cli-`)}/trace.jsonl`;
    const events = [
      { type: "exec", pid: 7, ppid: 1, exe: "/usr/bin/dash", syscall: "execve", path: "/usr/bin/sqlite3", abs: "/usr/bin/sqlite3", argv: [], result: 0 },
      { type: "file", pid: 7, ppid: 1, exe: "/usr/bin/sqlite3", syscall: "openat", path: "/etc/debian_version", abs: "/etc/debian_version", flags: 0, result: 3 },
    ];
    writeFileSync(trace, events.map((e) => JSON.stringify(e)).join("\n"));
    const run = sidebundle("closure", "--root", root, "--trace", trace, "--include", "/etc/os-release", "--exclude", "**/libm.so*", "--json", "sqlite3");
    expect(run.stderr).toBe("");
    const plan = JSON.parse(run.stdout) as Plan;
    const byPath = new Map(plan.entries.map((e) => [e.path, e]));
    expect(byPath.get("/usr/bin/sqlite3")?.reasons).toEqual([{ kind: "entry" }, { kind: "trace", syscall: "execve", exe: "/usr/bin/dash" }]);
    expect(byPath.get("/etc/debian_version")?.reasons).toEqual([{ kind: "trace", syscall: "openat", exe: "/usr/bin/sqlite3" }]);
    expect(byPath.get("/etc/os-release")).toMatchObject({ kind: "symlink", target: "../usr/lib/os-release", reasons: [{ kind: "include", glob: "/etc/os-release" }] });
    expect(byPath.get("/usr/lib/os-release")?.reasons).toEqual([{ kind: "include", glob: "/etc/os-release" }]);
    expect([...byPath.keys()].filter((p) => p.includes("libm.so"))).toEqual([]);
  });

  it("prints a table with reasons, looking bare names up on --env PATH", () => {
    const run = sidebundle("closure", "--root", root, "--env", "PATH=/nowhere:/usr/games:/usr/bin", "hello");
    expect(run.stdout).toContain("file    /usr/bin/hello  (");
    expect(run.stdout).toContain("symlink /usr/lib/ld-linux.so.2 -> i386-linux-gnu/ld-linux.so.2\n        interpreter of /usr/bin/hello\n");
    // libnss-mdns is installed for amd64 only
    expect(run.stdout).toMatch(/\nwarning: rule nss: no libnss_mdns4_minimal.so.2 for nsswitch.conf service mdns4_minimal\n\d+ entries, 1 warnings\n$/);
  });

  it("fails with one line naming the cause", () => {
    const run = sidebundle("closure", "--root", root, "no-such-program");
    expect(run.status).toBe(1);
    expect(run.stderr).toBe("sidebundle: entry no-such-program is not an executable file on the source's PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)\n");
    // Usage mistakes exit 2.
    expect(sidebundle("frobnicate")).toMatchObject({ status: 2, stderr: 'sidebundle: unknown command "frobnicate" (sidebundle --help)\n' });
    expect(sidebundle("closure", "--root", root, "--env", "PATH", "ls")).toMatchObject({ status: 2, stderr: 'sidebundle: --env expects NAME=VALUE, got "PATH" (sidebundle --help)\n' });
    expect(sidebundle("closure", "ls")).toMatchObject({ status: 2, stderr: "sidebundle: closure needs --root DIR and at least one ENTRY (sidebundle --help)\n" });
  });
});
