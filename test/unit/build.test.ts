// `npm run build` on a machine that lacks a tool: one line naming it, no stack trace, and no
// build state that breaks the next build once the tool is there.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repo } from "../tracer/helpers.js";

let copy: string;

/** A PATH holding every program of this machine except those named. */
function pathWithout(names: string[]): string {
  const bin = join(copy, ".bin");
  mkdirSync(bin);
  for (const dir of ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      if (!names.includes(name) && !existsSync(join(bin, name))) symlinkSync(join(dir, name), join(bin, name));
    }
  }
  return bin;
}

function npmBuild(path: string) {
  return spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: copy, encoding: "utf8", env: { ...process.env, PATH: path } });
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), "sb-build-"));
  for (const dir of ["frontend", "llb", "scripts", "package.json"]) cpSync(join(repo, dir), join(copy, dir), { recursive: true });
  cpSync(join(repo, "tracer-static"), join(copy, "tracer-static"), { recursive: true, filter: (src) => !src.includes("/build") });
  symlinkSync(join(repo, "node_modules"), join(copy, "node_modules"));
});

afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe("npm run build", () => {
  it("without musl-gcc: one line naming it, and no poisoned state for the next build", () => {
    const run = npmBuild(pathWithout(["musl-gcc"]));
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toEqual([expect.stringMatching(/^build: musl-gcc not found/)]);
    expect(existsSync(join(copy, "tracer-static/build/include"))).toBe(false);

    const again = npmBuild(process.env.PATH!);
    expect(again.status, again.stderr).toBe(0);
    expect(readlinkSync(join(copy, "tracer-static/build/include/asm"))).toMatch(/^\/usr\/include\/[a-z0-9_]+-linux-gnu\/asm$/);
    expect(existsSync(join(copy, "dist/sidebundle-trace"))).toBe(true);
  });

  it("make alone without musl-gcc: an error, not links to /usr/include/-linux-gnu", () => {
    const run = spawnSync("make", ["-s", "-C", "tracer-static", "CC=musl-gcc-missing"], { cwd: copy, encoding: "utf8" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/musl-gcc-missing not found/);
  });
});
