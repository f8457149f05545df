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

describe("BUNDLE for linux/amd64 and linux/arm64 in one build", () => {
  let images: Map<string, PlatformImage>;

  it("builds and traces every platform and exports one index with an image per platform", async () => {
    const oci = join(dir, "out.tar");
    const build = await dockerOk(["buildx", "build", "--progress=plain", "--platform", PLATFORMS.join(","), "--output", `type=oci,dest=${oci}`, dir], { env: engine });
    // Both platforms traced, neither fell back to static analysis.
    expect(build.stderr.match(/\[sidebundle 1\/3\] trace: sort --version/g)?.length).toBeGreaterThanOrEqual(2);
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
    const uses = [
      { args: ["--version"], input: "" },
      { args: ["-n", "-r"], input: "10\n9\n100\n-3\n" },
    ];
    for (const platform of PLATFORMS) {
      for (const use of uses) {
        const run = ["run", "--rm", "-i", "--platform", platform, "--network", "none"];
        const ours = await docker([...run, TAG, ...use.args], { input: use.input, env: engine });
        const fat = await docker([...run, "--env", "LC_ALL=C.UTF-8", "--entrypoint", "sort", "debian:bookworm-slim", ...use.args], { input: use.input, env: engine });
        expect(fat.code).toBe(0);
        expect({ platform, code: ours.code, stdout: ours.stdout }).toEqual({ platform, code: 0, stdout: fat.stdout });
      }
      // The bundle has no cat: sort prints its own manifest.lock (lines sorted).
      const manifest = await dockerOk(["run", "--rm", "--platform", platform, "--entrypoint", "/usr/bin/sort", TAG, "/.sidebundle/manifest.lock"], { env: engine });
      expect(manifest.stdout).toContain(`"path": "/usr/lib/${TRIPLETS[platform]}/libc.so.6"`);
      for (const other of PLATFORMS.filter((p) => p !== platform)) expect(manifest.stdout).not.toContain(TRIPLETS[other]);
    }
  }, 1_200_000);
});
