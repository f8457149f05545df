// Docker 20.10 (BuildKit ~0.8, Debian bookworm's own engine): plain Dockerfiles still pass through
// exactly, and BUNDLE, which needs named build contexts (BuildKit 0.10), says so in one line.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { docker, env, requireFrontendImage, tarEntries, type Run } from "./docker.js";

let legacy: NodeJS.ProcessEnv;

function build(dir: string, args: string[]): Promise<Run> {
  return docker(["buildx", "build", "--progress=plain", ...args, dir], { env: legacy });
}

beforeAll(async () => {
  await requireFrontendImage();
  const out = execFileSync("bash", ["scripts/side-engine.sh", "legacy"], { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  legacy = { DOCKER_HOST: out.trim().split("\n").pop()! };
  const version = await docker(["version", "--format", "{{.Server.Version}}"], { env: legacy });
  expect(version.stdout).toMatch(/^20\.10\./);
}, 300_000);

describe("Docker 20.10", () => {
  it("passes a plain Dockerfile through to the same files as its builtin frontend", async () => {
    const ours = mkdtempSync(join(tmpdir(), "sb-legacy-"));
    cpSync(join(import.meta.dirname, "passthrough/multistage-target"), ours, { recursive: true });
    const builtin = mkdtempSync(join(tmpdir(), "sb-legacy-builtin-"));
    cpSync(ours, builtin, { recursive: true });
    const file = join(builtin, "Dockerfile");
    writeFileSync(file, readFileSync(file, "utf8").replace("# syntax=sidebundle/frontend", "# builtin"));
    const tars = [join(ours, "out.tar"), join(builtin, "out.tar")];
    const runs = [await build(ours, ["--target", "middle", "--output", `type=tar,dest=${tars[0]}`]), await build(builtin, ["--target", "middle", "--output", `type=tar,dest=${tars[1]}`])];
    for (const run of runs) expect(run.code, run.stderr.slice(-2000)).toBe(0);
    expect(runs[0].stderr).toContain("sidebundle: pass");
    const [a, b] = [await tarEntries(tars[0]), await tarEntries(tars[1])];
    expect(a.map((e) => e.name)).toContain("middle.txt");
    expect(a).toEqual(b);
  });

  it("refuses BUNDLE with one line naming what is missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-legacy-bundle-"));
    writeFileSync(join(dir, "Dockerfile"), "# syntax=sidebundle/frontend\nFROM debian:bookworm-slim AS a\nFROM scratch\nBUNDLE --from=a /usr/bin/sort\n");
    const run = await build(dir, []);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/BUNDLE needs BuildKit 0\.10 or later \(Docker 23\.0 or later\): this engine has no named build contexts\n/);
  });
});
