// Zero-edit minimize on six unmodified Dockerfiles (test/minimize/<case>): each is built plainly
// and with `--build-arg BUILDKIT_SYNTAX=sidebundle/frontend --build-arg SIDEBUNDLE_MINIMIZE=1`
// (plus, for two, a probe build-arg), then both images run offline: the minimized one must answer
// its own probes and the uses nobody traced exactly as the fat one does, keep its config, pass its
// HEALTHCHECK, and be much smaller.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CASES, MINIMIZE_DIR, type MinimizeCase } from "../minimize/cases.js";
import { buildFat, buildMin, fatTag, imageSize, minimizeArgs, minTag, runUse, Served } from "../minimize/run.js";
import { docker, dockerOk, requireFrontendImage } from "./docker.js";

/** The fat nginx image has curl: it is the client of every server. */
const CLIENT = fatTag("nginx");
const KEPT = ["Entrypoint", "Cmd", "Env", "WorkingDir", "User", "ExposedPorts", "Volumes", "Labels", "StopSignal", "Healthcheck"];
const progress = new Map<string, string>();
const sizes: string[] = [];

beforeAll(async () => {
  await requireFrontendImage();
  for (const c of CASES) await buildFat(c.name);
  for (const c of CASES) progress.set(c.name, await buildMin(c));
}, 1_800_000);

afterAll(() => {
  if (sizes.length) console.log(`minimized vs fat image:\n${sizes.join("\n")}`);
});

type Config = Record<string, unknown>;

async function config(tag: string): Promise<Config> {
  return JSON.parse((await dockerOk(["image", "inspect", "--format", "{{json .Config}}", tag])).stdout) as Config;
}

/** The manifest.lock of an image, read from a created (never started) container. */
async function manifestOf(tag: string): Promise<string> {
  const id = (await dockerOk(["create", tag])).stdout.trim();
  try {
    const dir = mkdtempSync(join(tmpdir(), "sb-minimize-"));
    await dockerOk(["cp", `${id}:/.sidebundle/manifest.lock`, join(dir, "manifest.lock")]);
    return readFileSync(join(dir, "manifest.lock"), "utf8");
  } finally {
    await docker(["rm", id]);
  }
}

async function serverAnswers(tag: string, c: MinimizeCase): Promise<{ answers: string[]; health?: number }> {
  const served = await Served.start(tag, CLIENT);
  try {
    const answers = [];
    for (const path of c.server!.paths) answers.push(`${path} → ${await served.get(c.server!.port, path)}`);
    const test = ((await config(tag)).Healthcheck as { Test?: string[] } | null)?.Test;
    const health = test ? await served.exec(test[0] === "CMD-SHELL" ? ["/bin/sh", "-c", test[1]] : test.slice(1)) : undefined;
    return { answers, health };
  } finally {
    await served.stop();
  }
}

describe.each(CASES)("$name, minimized with build-args only", (c) => {
  it("is much smaller than the fat image, and says so in its progress", async () => {
    const [fat, min] = [await imageSize(fatTag(c.name)), await imageSize(minTag(c.name))];
    sizes.push(`${c.name}: ${(min / 1e6).toFixed(1)} MB vs ${(fat / 1e6).toFixed(1)} MB (${(min / fat).toFixed(3)}x)`);
    expect(min).toBeLessThan(fat / 2);
    expect(progress.get(c.name)).toMatch(/minimized stage stage-\d+: [\d.]+ MB \(\d+ files\) → [\d.]+ MB \(\d+ files\); manifest: \/\.sidebundle\/manifest\.lock/);
  });

  it("keeps the image config", async () => {
    const [fat, min] = [await config(fatTag(c.name)), await config(minTag(c.name))];
    for (const key of KEPT) expect([key, min[key] ?? null]).toEqual([key, fat[key] ?? null]);
    expect(fat.Entrypoint ?? fat.Cmd).toBeTruthy();
  });

  it("carries manifest.lock: the config's programs as entries, without the probes' tools", async () => {
    const manifest = JSON.parse(await manifestOf(minTag(c.name))) as { entries: string[]; paths: { path: string }[] };
    const paths = manifest.paths.map((p) => p.path);
    expect(manifest.entries).toEqual(c.entries);
    for (const kept of c.kept ?? []) expect(paths).toContain(kept);
    for (const absent of c.absent ?? []) expect(paths).not.toContain(absent);
  });

  if (c.server) {
    it("answers its own probes and untraced requests as the fat image does, and passes its HEALTHCHECK", async () => {
      const fat = await serverAnswers(fatTag(c.name), c);
      const min = await serverAnswers(minTag(c.name), c);
      expect(min.answers).toEqual(fat.answers);
      expect(fat.answers[0]).toMatch(/\n200$/);
      expect(min.health).toBe(fat.health);
      if (fat.health !== undefined) expect(min.health).toBe(0);
    });
  }

  if (c.uses) {
    it("prints what the fat image prints, on its own command and on untraced uses", async () => {
      for (const use of c.uses!) {
        const fat = await runUse(fatTag(c.name), use);
        expect(fat).toMatch(/^0\n./);
        expect([use, await runUse(minTag(c.name), use)]).toEqual([use, fat]);
      }
    });
  }
});

describe("the build-args", () => {
  it("--target chooses the stage; SIDEBUNDLE_ENTRIES, SIDEBUNDLE_TRACE and SIDEBUNDLE_TEST act as BUNDLE's entries, --trace and --test", async () => {
    const args = { SIDEBUNDLE_ENTRIES: "java", SIDEBUNDLE_TRACE: "java -version", SIDEBUNDLE_TEST: '["java -version"]' };
    const tag = "sidebundle-minimize/java-runtime:min";
    const build = await dockerOk(["buildx", "build", "--progress=plain", ...minimizeArgs(args), "--target", "runtime", "-t", tag, join(MINIMIZE_DIR, "java-service")]);
    expect(build.stderr).toContain("test: java -version");
    const run = await docker(["run", "--rm", "--network", "none", "--entrypoint", "java", tag, "-XshowSettings:properties", "-version"]);
    expect([run.code, run.stderr]).toEqual([0, expect.stringContaining("java.version = 17")]);
    expect(await imageSize(tag)).toBeLessThan((await imageSize(fatTag("java-service"))) / 2);
  });

  it("a stage that runs nothing needs SIDEBUNDLE_ENTRIES: one line naming the build-arg and the stage's line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-minimize-nothing-"));
    writeFileSync(join(dir, "Dockerfile"), "FROM debian:bookworm-slim AS tools\n\nFROM scratch AS files\nCOPY --from=tools /etc/os-release /\n");
    const build = await docker(["buildx", "build", ...minimizeArgs(), dir]);
    expect(build.code).not.toBe(0);
    expect(build.stderr).toMatch(/ERROR: .*SIDEBUNDLE_MINIMIZE: the stage has no ENTRYPOINT or CMD: name its programs with SIDEBUNDLE_ENTRIES\n/);
    expect(build.stderr).toContain(">>> FROM scratch AS files");
  });

  it("a bad list is an error naming its build-arg", async () => {
    for (const [arg, value, message] of [
      ["SIDEBUNDLE_INCLUDE", '["/etc/a", 1]', "SIDEBUNDLE_INCLUDE: a JSON list must be an array of strings"],
      ["SIDEBUNDLE_ENTRIES", "[jq", "SIDEBUNDLE_ENTRIES: not a JSON array of strings"],
      ["SIDEBUNDLE_TEST", "echo 'open", "SIDEBUNDLE_TEST: unterminated ' quote in: echo 'open"],
      ["SIDEBUNDLE_MINIMIZE", "yes", "SIDEBUNDLE_MINIMIZE=yes: use 1 (or true)"],
    ]) {
      const build = await docker(["buildx", "build", ...minimizeArgs({ [arg]: value }), join(MINIMIZE_DIR, "cli-jq")]);
      expect([arg, build.code === 0]).toEqual([arg, false]);
      expect(build.stderr).toContain(message);
    }
  });

  it("a SIDEBUNDLE_TEST that fails in the minimized image fails the build, in one line naming the build-arg", async () => {
    const build = await docker(["buildx", "build", ...minimizeArgs({ SIDEBUNDLE_TEST: `jq -n '"boom" | error'` }), join(MINIMIZE_DIR, "cli-jq")]);
    expect(build.code).not.toBe(0);
    expect(build.stderr).toMatch(/ERROR: .*SIDEBUNDLE_MINIMIZE: --test "jq -n '"boom" \| error'" exited with status 5; its error output ended with "jq: error \(at <unknown>\): boom\\n"\n/);
  });

  it("works the same from a `# syntax=sidebundle/frontend` line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-minimize-syntax-"));
    writeFileSync(join(dir, "Dockerfile"), `# syntax=sidebundle/frontend\n${readFileSync(join(MINIMIZE_DIR, "cli-jq", "Dockerfile"), "utf8")}`);
    const tag = "sidebundle-minimize/cli-jq-syntax:min";
    await dockerOk(["buildx", "build", "--build-arg", "SIDEBUNDLE_MINIMIZE=1", "-t", tag, dir]);
    const use = { args: ["-c", "{b: .a}"], stdin: '{"a":1}' };
    expect(await runUse(tag, use)).toBe(await runUse(fatTag("cli-jq"), use));
    expect(await imageSize(tag)).toBeLessThan((await imageSize(fatTag("cli-jq"))) / 2);
  });
});
