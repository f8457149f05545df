// Plain Dockerfiles built through sidebundle/frontend and through the builtin Dockerfile
// frontend must give the same files, the same image config and the same errors.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { containerdEngine, docker, dockerOk, requireFrontendImage, tarEntries, type Run } from "./docker.js";
import { ociImages } from "./oci.js";

const CASES = join(import.meta.dirname, "passthrough");
const SYNTAX = "# syntax=sidebundle/frontend";
// Same line count, so every line number in an error stays where it was.
const BUILTIN_HEADER = "# builtin Dockerfile frontend";

type Frontend = "sidebundle" | "builtin";

interface Case {
  name: string;
  dir: string;
  args?: string[];
  file?: string;
  /** --no-cache runs again, so layers (file times) differ between any two builds. */
  rebuilds?: boolean;
}

/** A copy of the case directory whose Dockerfile's first line selects the frontend. */
function checkout(c: Case, frontend: Frontend): string {
  const dir = mkdtempSync(join(tmpdir(), `sb-${c.dir}-${frontend}-`));
  cpSync(join(CASES, c.dir), dir, { recursive: true });
  const file = join(dir, c.file ?? "Dockerfile");
  const text = readFileSync(file, "utf8");
  expect(text.startsWith(SYNTAX + "\n")).toBe(true);
  if (frontend === "builtin") writeFileSync(file, text.replace(SYNTAX, BUILTIN_HEADER));
  return dir;
}

async function build(c: Case, frontend: Frontend, output: string[], env?: NodeJS.ProcessEnv): Promise<Run> {
  const dir = checkout(c, frontend);
  return docker(["buildx", "build", "--progress=plain", ...output, ...(c.args ?? []), "."], { cwd: dir, env });
}

/** Asserts that the sidebundle build really went through our frontend. */
function expectOurFrontend(run: Run): void {
  expect(run.stderr).toContain("sidebundle: pass");
}

async function exportTar(c: Case, frontend: Frontend) {
  const dir = mkdtempSync(join(tmpdir(), "sb-tar-"));
  try {
    const tar = join(dir, "out.tar");
    const run = await build(c, frontend, ["--output", `type=tar,dest=${tar}`]);
    if (run.code !== 0) throw new Error(`${frontend} build of ${c.name} failed:\n${run.stderr.slice(-3000)}`);
    if (frontend === "sidebundle") expectOurFrontend(run);
    return await tarEntries(tar);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function imageConfig(c: Case, frontend: Frontend) {
  const tag = `sidebundle-e2e/${c.name}:${frontend}`;
  const run = await build(c, frontend, ["--load", "--tag", tag]);
  if (run.code !== 0) throw new Error(`${frontend} build of ${c.name} failed:\n${run.stderr.slice(-3000)}`);
  const inspect = await dockerOk(["image", "inspect", tag]);
  const [image] = JSON.parse(inspect.stdout);
  return { Config: image.Config, Architecture: image.Architecture, Os: image.Os, Layers: image.RootFS.Layers };
}

/** The client's error report: the Dockerfile snippet and the final message. */
function errorReport(run: Run): string {
  const lines = run.stderr.split("\n");
  const start = lines.findIndex((l) => /^Dockerfile:\d+$|^ERROR: /.test(l));
  return lines.slice(start).join("\n").replaceAll(BUILTIN_HEADER, SYNTAX).trim();
}

beforeAll(requireFrontendImage);

const equivalent: Case[] = [
  { name: "multistage-target", dir: "multistage-target", args: ["--target", "middle"] },
  { name: "args-env", dir: "args-env", args: ["--build-arg", "GREETING=hola"] },
  { name: "context-dockerignore", dir: "context-dockerignore" },
  { name: "dockerfile-dockerignore", dir: "dockerfile-dockerignore", args: ["-f", "build.Dockerfile"], file: "build.Dockerfile" },
  { name: "heredoc", dir: "heredoc" },
  { name: "cache-mount", dir: "cache-mount" },
  { name: "copy-from", dir: "copy-from" },
  { name: "platform", dir: "platform", args: ["--platform", "linux/amd64"] },
  { name: "build-context", dir: "build-context", args: ["--build-context", "extra=extra"] },
  { name: "no-cache", dir: "multistage-target", args: ["--no-cache", "--target", "final"], rebuilds: true },
];

describe.each(equivalent)("passthrough: $name", (c) => {
  it("exports the same file tree as the builtin frontend", async () => {
    const builtin = await exportTar(c, "builtin");
    const ours = await exportTar(c, "sidebundle");
    expect(ours.length).toBeGreaterThan(0);
    expect(ours).toEqual(builtin);
  });

  it("loads an image with the same config and layers", async () => {
    const builtin = await imageConfig(c, "builtin");
    const ours = await imageConfig(c, "sidebundle");
    if (c.rebuilds) {
      expect(ours.Layers).toHaveLength(builtin.Layers.length);
      expect({ ...ours, Layers: [] }).toEqual({ ...builtin, Layers: [] });
    } else {
      expect(ours).toEqual(builtin);
    }
  });
});

describe("passthrough: what the equivalent builds contain", () => {
  const names = async (c: Case) => (await exportTar(c, "sidebundle")).map((e) => e.name);

  it("honours .dockerignore", async () => {
    const files = await names({ name: "ctx", dir: "context-dockerignore" });
    expect(files).toContain("ctx/a.txt");
    expect(files).toContain("ctx/dir/keep.txt");
    expect(files).not.toContain("ctx/secret.key");
    expect(files).not.toContain("ctx/dir/skip.txt");
  });

  it("honours <Dockerfile>.dockerignore over .dockerignore", async () => {
    const files = await names({ name: "df", dir: "dockerfile-dockerignore", args: ["-f", "build.Dockerfile"], file: "build.Dockerfile" });
    expect(files).toContain("ctx/a.txt");
    expect(files).not.toContain("ctx/b.txt");
  });

  it("resolves the target stage", async () => {
    const files = await names({ name: "target", dir: "multistage-target", args: ["--target", "middle"] });
    expect(files).toContain("middle.txt");
    expect(files).not.toContain("final.txt");
  });
});

const failing: Case[] = [
  { name: "a failing RUN", dir: "error-run" },
  { name: "an unknown instruction", dir: "error-parse" },
  { name: "an unknown --target", dir: "multistage-target", args: ["--target", "nope"] },
  { name: "a missing --file", dir: "multistage-target", args: ["-f", "Nope.Dockerfile"] },
];

describe.each(failing)("passthrough errors: $name", (c) => {
  it("fails with the builtin frontend's message and Dockerfile snippet", async () => {
    const builtin = await build(c, "builtin", []);
    const ours = await build(c, "sidebundle", []);
    expect(builtin.code).not.toBe(0);
    expect(ours.code).not.toBe(0);
    expect(errorReport(ours)).toBe(errorReport(builtin));
    expect(errorReport(ours)).toMatch(/ERROR: /);
  });
});

describe("passthrough: error snippets", () => {
  it("point at the failing line", async () => {
    const run = await build({ name: "run", dir: "error-run" }, "sidebundle", []);
    expectOurFrontend(run);
    expect(run.stderr).toContain("Dockerfile:4");
    expect(run.stderr).toMatch(/ 4 \| >>> RUN echo "about to fail" && exit 3/);
  });
});

describe("passthrough: subrequests", () => {
  it.each(["outline", "targets"])("--print %s answers as the builtin frontend does", async (request) => {
    const c: Case = { name: "print", dir: "multistage-target" };
    const print = ["--print", request];
    const experimental = { BUILDX_EXPERIMENTAL: "1" };
    const builtin = await build(c, "builtin", print, experimental);
    const ours = await build(c, "sidebundle", print, experimental);
    expect(builtin.code).toBe(0);
    expect(ours.code).toBe(0);
    expect(ours.stdout).toContain("final");
    expect(ours.stdout).toBe(builtin.stdout);
  });
});

describe("passthrough: several platforms in one build (containerd image store)", () => {
  const c: Case = { name: "multiplatform", dir: "multiplatform", args: ["--platform", "linux/amd64,linux/arm64,linux/386"] };
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
  let engine: NodeJS.ProcessEnv;

  beforeAll(async () => {
    engine = await containerdEngine();
  }, 1_200_000);

  async function exportIndex(frontend: Frontend) {
    const dir = mkdtempSync(join(tmpdir(), "sb-oci-"));
    try {
      const oci = join(dir, "out.oci");
      const run = await build(c, frontend, ["--output", `type=oci,dest=${oci}`], engine);
      if (run.code !== 0) throw new Error(`${frontend} build of ${c.name} failed:\n${run.stderr.slice(-3000)}`);
      if (frontend === "sidebundle") expectOurFrontend(run);
      return await ociImages(oci);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("exports the same index as the builtin frontend: every platform's files and config", async () => {
    const builtin = await exportIndex("builtin");
    const ours = await exportIndex("sidebundle");
    expect([...ours.keys()].sort()).toEqual(["linux/386", "linux/amd64", "linux/arm64"]);
    expect([...builtin.keys()].sort()).toEqual([...ours.keys()].sort());
    // runc sets no 32-bit personality: linux/386 on an amd64 kernel reports x86_64.
    const machines: Record<string, string> = { "linux/amd64": "x86_64", "linux/arm64": "aarch64", "linux/386": "x86_64" };
    for (const [platform, image] of ours) {
      const other = builtin.get(platform)!;
      expect(image.files).toEqual(other.files);
      // History times are the build's own; everything else is the same.
      const steps = (h: unknown[] | undefined) => (h ?? []).map((e) => (e as { created_by?: string }).created_by);
      expect({ ...image.config, created: undefined, history: steps(image.config.history) }).toEqual({ ...other.config, created: undefined, history: steps(other.config.history) });
      expect(image.config.config?.Env).toContain(`TARGET=${platform}`);
      const file = (name: string) => image.files.find((f) => f.name === name)?.sha256;
      // The build stage ran on the build platform, once per target platform; the final one under the target's.
      expect(file("platform.txt")).toBe(sha256(`linux/amd64 -> ${platform} (${platform.split("/")[1]})\n`));
      expect(file("machine.txt")).toBe(sha256(`${machines[platform]}\n`));
    }
  }, 1_200_000);
});
