// One BUNDLE build for linux/amd64 and linux/arm64 against the two single-platform builds run one
// after the other, on the containerd image store (arm64 under QEMU), in the same run. Every build
// re-runs the BUNDLE's ops (--no-cache-filter on its stage; the source stages cached). Prints
// the median wall times, their ratio, and each platform's bundle (its image's layers, uncompressed).
// Run: npm run bench -- multiplatform
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { containerdEngine, dockerOk } from "../test/e2e/docker.js";
import { ociImages } from "../test/e2e/oci.js";

const PLATFORMS = ["linux/amd64", "linux/arm64"];
const RUNS = 3;
const DOCKERFILE = `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build

FROM scratch AS out
BUNDLE --from=build --trace="sort --version" --trace="sort /etc/os-release" /usr/bin/sort
ENTRYPOINT ["/usr/bin/sort"]
`;

const engine = await containerdEngine();
const dir = mkdtempSync(join(tmpdir(), "sb-bench-multi-"));
writeFileSync(join(dir, "Dockerfile"), DOCKERFILE);
const oci = join(dir, "out.oci");

/** The median wall time of RUNS builds for these platforms. */
async function seconds(platforms: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    await dockerOk(["buildx", "build", "--quiet", "--no-cache-filter=out", "--platform", platforms.join(","), "--output", "type=cacheonly", dir], { env: engine });
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

// The source stages of both platforms, cached for every measured build.
await dockerOk(["buildx", "build", "--quiet", "--platform", PLATFORMS.join(","), "--output", "type=cacheonly", dir], { env: engine });
const single: number[] = [];
for (const p of PLATFORMS) single.push(await seconds([p]));
const both = await seconds(PLATFORMS);
const sequential = single.reduce((a, b) => a + b, 0);
console.log(`multiplatform: one build for ${PLATFORMS.join(",")} ${both.toFixed(1)} s; the two single-platform builds one after the other ${sequential.toFixed(1)} s (${PLATFORMS.map((p, i) => `${p} ${single[i].toFixed(1)} s`).join(", ")}): ratio ${(both / sequential).toFixed(2)} (medians of ${RUNS})`);
// The sizes, from the index of a build taken from the cache.
await dockerOk(["buildx", "build", "--quiet", "--platform", PLATFORMS.join(","), "--output", `type=oci,dest=${oci}`, dir], { env: engine });
for (const [platform, image] of await ociImages(oci)) {
  console.log(`multiplatform: ${platform} bundle ${(image.bytes / 1e6).toFixed(2)} MB, ${image.files.filter((f) => f.type === "file").length} files`);
}
rmSync(dir, { recursive: true, force: true });
