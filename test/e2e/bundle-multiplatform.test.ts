// One build for linux/amd64 and linux/arm64 on the containerd image store: each platform's source
// stage is built and traced under that platform (arm64 through QEMU), and the result is one
// image index whose every image runs like its own platform's fat stage.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { containerdEngine, docker, dockerOk } from "./docker.js";
import { ociImages, type PlatformImage } from "./oci.js";

const DOCKERFILE = `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build
ENV LC_ALL=C.UTF-8

FROM scratch
BUNDLE --from=build --env=inherit --trace="sort --version" /usr/bin/sort
ENTRYPOINT ["/usr/bin/sort"]
`;
const PLATFORMS = ["linux/amd64", "linux/arm64"];
const TRIPLETS: Record<string, string> = { "linux/amd64": "x86_64-linux-gnu", "linux/arm64": "aarch64-linux-gnu" };
const TAG = "sidebundle-e2e/sort:multi";

let engine: NodeJS.ProcessEnv;
let dir: string;

beforeAll(async () => {
  engine = await containerdEngine();
  dir = mkdtempSync(join(tmpdir(), "sb-multi-"));
  writeFileSync(join(dir, "Dockerfile"), DOCKERFILE);
}, 1_200_000);

/** The bundle's sort, run as `platform`, answers as the fat stage's, run as `fatPlatform`: the traced use and an untraced one. */
async function expectSortsLikeFat(tag: string, platform: string, fatPlatform: string): Promise<void> {
  const uses = [
    { args: ["--version"], input: "" },
    { args: ["-n", "-r"], input: "10\n9\n100\n-3\n" },
  ];
  for (const use of uses) {
    const run = ["run", "--rm", "-i", "--network", "none"];
    const ours = await docker([...run, "--platform", platform, tag, ...use.args], { input: use.input, env: engine });
    const fat = await docker([...run, "--platform", fatPlatform, "--env", "LC_ALL=C.UTF-8", "--entrypoint", "sort", "debian:bookworm-slim", ...use.args], { input: use.input, env: engine });
    expect(fat.code).toBe(0);
    expect({ platform, code: ours.code, stdout: ours.stdout }).toEqual({ platform, code: 0, stdout: fat.stdout });
  }
}

describe("BUNDLE for linux/amd64 and linux/arm64 in one build", () => {
  let images: Map<string, PlatformImage>;

  it("builds and traces every platform and exports one index with an image per platform", async () => {
    const oci = join(dir, "out.tar");
    const build = await dockerOk(["buildx", "build", "--progress=plain", "--platform", PLATFORMS.join(","), "--output", `type=oci,dest=${oci}`, dir], { env: engine });
    // Both platforms traced, neither fell back to static analysis.
    for (const platform of PLATFORMS) expect(build.stderr).toContain(`[${platform} sidebundle 1/3] trace: sort --version`);
    expect(build.stderr).not.toMatch(/tracing is unavailable/);
    images = await ociImages(oci);
    expect([...images.keys()].sort()).toEqual(PLATFORMS);
    for (const platform of PLATFORMS) {
      const image = images.get(platform)!;
      expect(image.config.config?.Entrypoint).toEqual(["/usr/bin/sort"]);
      expect(image.config.config?.Env).toContain("LC_ALL=C.UTF-8");
      const libc = image.files.find((f) => f.name === `usr/lib/${TRIPLETS[platform]}/libc.so.6`);
      expect(libc, `${platform} has its own libc`).toBeDefined();
      for (const other of PLATFORMS.filter((p) => p !== platform)) {
        expect(image.files.some((f) => f.name.includes(TRIPLETS[other])), `${platform} holds no ${other} file`).toBe(false);
      }
    }
  }, 1_200_000);

  it("every platform's image runs like that platform's fat stage, traced use and an untraced one", async () => {
    await dockerOk(["buildx", "build", "--platform", PLATFORMS.join(","), "--tag", TAG, dir], { env: engine });
    for (const platform of PLATFORMS) {
      await expectSortsLikeFat(TAG, platform, platform);
      // The bundle has no cat: sort prints its own manifest.lock (lines sorted).
      const manifest = await dockerOk(["run", "--rm", "--platform", platform, "--entrypoint", "/usr/bin/sort", TAG, "/.sidebundle/manifest.lock"], { env: engine });
      expect(manifest.stdout).toContain(`"path": "/usr/lib/${TRIPLETS[platform]}/libc.so.6"`);
      for (const other of PLATFORMS.filter((p) => p !== platform)) expect(manifest.stdout).not.toContain(TRIPLETS[other]);
    }
  }, 1_200_000);

  it("names the platform whose BUNDLE failed", async () => {
    const failing = mkdtempSync(join(tmpdir(), "sb-multi-fail-"));
    writeFileSync(join(failing, "Dockerfile"), DOCKERFILE.replace('--trace="sort --version"', '--trace="uname -m | grep -qx x86_64"'));
    const build = await docker(["buildx", "build", "--progress=plain", "--platform", PLATFORMS.join(","), failing], { env: engine });
    expect(build.code).not.toBe(0);
    expect(build.stderr).toContain('linux/arm64: BUNDLE: --trace "uname -m | grep -qx x86_64" exited with status 1');
    expect(build.stderr).not.toContain("linux/amd64: BUNDLE");
  }, 1_200_000);

  it("gives a stage with FROM --platform that platform's bundle on every platform, as a named context", async () => {
    const staged = mkdtempSync(join(tmpdir(), "sb-multi-386-"));
    writeFileSync(join(staged, "Dockerfile"), DOCKERFILE.replace("FROM scratch", "FROM --platform=linux/386 scratch"));
    const oci = join(staged, "out.tar");
    const build = await dockerOk(["buildx", "build", "--progress=plain", "--platform", PLATFORMS.join(","), "--output", `type=oci,dest=${oci}`, staged], { env: engine });
    expect(build.stderr).toContain("[linux/386 sidebundle 1/3] trace: sort --version");
    const staged386 = await ociImages(oci);
    expect([...staged386.keys()].sort()).toEqual(PLATFORMS);
    for (const image of staged386.values()) {
      expect(image.files.some((f) => f.name === "usr/lib/i386-linux-gnu/libc.so.6")).toBe(true);
      expect(image.files.some((f) => PLATFORMS.some((p) => f.name.includes(TRIPLETS[p])))).toBe(false);
    }
    await dockerOk(["buildx", "build", "--platform", PLATFORMS.join(","), "--tag", `${TAG}-386`, staged], { env: engine });
    await expectSortsLikeFat(`${TAG}-386`, "linux/amd64", "linux/386");
  }, 1_200_000);

  it("bundles from an image with several platforms each platform's own image", async () => {
    const fromImage = mkdtempSync(join(tmpdir(), "sb-multi-image-"));
    writeFileSync(join(fromImage, "Dockerfile"), DOCKERFILE.replace("--from=build --env=inherit", "--from=debian:bookworm-slim"));
    const platforms = ["linux/arm64", "linux/386"];
    await dockerOk(["buildx", "build", "--platform", platforms.join(","), "--tag", `${TAG}-image`, fromImage], { env: engine });
    for (const platform of platforms) await expectSortsLikeFat(`${TAG}-image`, platform, platform);
    const manifest = await dockerOk(["run", "--rm", "--platform", "linux/386", "--entrypoint", "/usr/bin/sort", `${TAG}-image`, "/.sidebundle/manifest.lock"], { env: engine });
    expect(manifest.stdout).toContain('"path": "/usr/lib/i386-linux-gnu/libc.so.6"');
    expect(manifest.stdout).toContain('"source": "debian:bookworm-slim"');
  }, 1_200_000);
});
