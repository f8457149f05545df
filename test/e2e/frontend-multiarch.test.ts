// The frontend image for linux/amd64 and linux/arm64 (`npm run image:multiarch`), on an engine with
// the containerd image store: the arm64 image's Node and aarch64 static tools run under QEMU user
// emulation, and an arm64 portable bundle built through it carries the aarch64 launcher, which runs
// it. Each image carries both platforms' tools.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { containerdEngine, env as baseEnv, runProgram } from "./docker.js";

const TAG = "sidebundle-e2e/frontend:multiarch";
const TOOLS = ["sidebundle-trace", "sidebundle-launch", "sidebundle-pack", "sh"];
/** ELF e_machine values. */
const MACHINES = { amd64: 62, arm64: 183 };
let env: NodeJS.ProcessEnv;

const docker = (args: string[], input?: string) => runProgram("docker", args, { env, input });

beforeAll(async () => {
  // With debian:bookworm-slim for both platforms, and QEMU registered for arm64.
  env = { ...baseEnv, ...(await containerdEngine()) };
  execFileSync("bash", ["scripts/image.sh", "--multiarch", TAG], { env, stdio: ["ignore", "inherit", "inherit"] });
}, 1_800_000);

describe("the frontend image for linux/amd64 and linux/arm64", () => {
  it.each(["amd64", "arm64"] as const)("linux/%s: its own Node runs, with the tools of both platforms", async (arch) => {
    // Node reads the ELF machine of each tool (bytes 18-19) and runs the tracer and the packer of its platform.
    const script = `
      const fs = require("fs"), { spawnSync } = require("child_process");
      const machine = (p) => fs.readFileSync(p).readUInt16LE(18);
      const tools = {};
      for (const dir of fs.readdirSync("/sidebundle/tools").sort()) tools[dir] = ${JSON.stringify(TOOLS)}.map((t) => machine("/sidebundle/tools/" + dir + "/" + t));
      const run = (args) => { const r = spawnSync("/sidebundle/tools/linux_${arch}/" + args[0], args.slice(1), { encoding: "utf8" }); return [r.status, (r.stdout + r.stderr).split("\\n")[0]]; };
      console.log(JSON.stringify({ arch: process.arch, node: machine(process.execPath), tools,
        trace: run(["sidebundle-trace", "--help"]), pack: run(["sidebundle-pack"]), sh: run(["sh", "-c", "echo $KSH_VERSION"]) }));`;
    const run = await docker(["run", "--rm", "--platform", `linux/${arch}`, "--network", "none", "--entrypoint", "/usr/bin/node", TAG, "-e", script]);
    expect(run.code, run.stderr).toBe(0);
    const m = MACHINES;
    expect(JSON.parse(run.stdout)).toEqual({
      arch: { amd64: "x64", arm64: "arm64" }[arch],
      node: m[arch],
      tools: { linux_amd64: TOOLS.map(() => m.amd64), linux_arm64: TOOLS.map(() => m.arm64) },
      trace: [0, expect.stringMatching(/^usage: sidebundle-trace /)],
      pack: [expect.any(Number), "sidebundle-pack: usage: sidebundle-pack ROOT LIST"],
      sh: [0, expect.stringMatching(/^@\(#\)MIRBSD KSH /)],
    });
  });

  it("builds an arm64 portable bundle whose aarch64 launcher runs it, traced and untraced", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-multiarch-"));
    writeFileSync(
      join(dir, "Dockerfile"),
      `# syntax=${TAG}\nFROM debian:bookworm-slim AS build\n\nFROM scratch\nBUNDLE --from=build --layout=portable --trace="sort --version" /usr/bin/sort\n`,
    );
    const out = join(dir, "out");
    const build = await docker(["buildx", "build", "--progress=plain", "--platform", "linux/arm64", "--output", `type=local,dest=${out}`, dir]);
    expect(build.code, build.stderr.slice(-3000)).toBe(0);
    expect(build.stderr).not.toMatch(/tracing is unavailable/);
    expect(readFileSync(join(out, "bin/sort")).readUInt16LE(18)).toBe(MACHINES.arm64);
    expect(readFileSync(join(out, "payload/usr/bin/sort")).readUInt16LE(18)).toBe(MACHINES.arm64);
    // Here, on the amd64 host, the aarch64 launcher and the program it starts run under QEMU.
    const traced = await runProgram(join(out, "bin/sort"), ["--version"], { env });
    expect(traced).toMatchObject({ code: 0, stdout: expect.stringMatching(/^sort \(GNU coreutils\) /) });
    const untraced = await runProgram(join(out, "bin/sort"), ["-r"], { env, input: "pear\napple\nfig\n" });
    expect(untraced).toMatchObject({ code: 0, stdout: "pear\nfig\napple\n" });
  });
});
