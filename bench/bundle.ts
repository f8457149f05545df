// BUNDLE's cost and result for the jq and python examples, measured in one run:
// - overhead: a build whose BUNDLE ops re-run (--no-cache-filter on the bundle's stage, the
//   source stage cached) minus a cached plain build of the source stage;
// - size against the fat stage and, for jq, against the smallest possible closure (the binary,
//   its interpreter, libc, libm, libjq, libonig);
// - a fully cached rebuild against a cached plain build of the source stage, and against a cached
//   build of the same Dockerfile through sidebundle with a plain COPY in place of the BUNDLE
//   (what any frontend costs, so what is left is BUNDLE's own).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dockerOk } from "../test/e2e/docker.js";

const RUNS = 3;
const examples = [
  { name: "jq", stage: "stage-1", minimal: ["/usr/bin/jq", "/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libm.so.6", "/lib/x86_64-linux-gnu/libjq.so.1", "/lib/x86_64-linux-gnu/libonig.so.5"] },
  { name: "python", stage: "stage-1" },
];

async function seconds(args: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    await dockerOk(["buildx", "build", "--quiet", ...args]);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

async function size(tag: string): Promise<number> {
  return Number((await dockerOk(["image", "inspect", "--format", "{{.Size}}", tag])).stdout.trim());
}

/** Bytes of the files the paths resolve to, read in the fat image. */
async function closureBytes(fat: string, paths: string[]): Promise<number> {
  const script = `for p in ${paths.join(" ")}; do stat -L -c %s "$p"; done`;
  const out = (await dockerOk(["run", "--rm", "--entrypoint", "/bin/sh", fat, "-c", script])).stdout;
  return out.trim().split("\n").reduce((sum, n) => sum + Number(n), 0);
}

/** The example with each BUNDLE line replaced by a plain COPY of its entries, still through sidebundle. */
function withCopyInsteadOfBundle(dir: string): string {
  const lines = readFileSync(join(dir, "Dockerfile"), "utf8").replace(/\\\n/g, " ").split("\n");
  const copied = lines.map((l) => {
    const m = /^BUNDLE (.*)$/.exec(l);
    if (!m) return l;
    const entries = m[1].split(/\s+/).filter((w) => w.startsWith("/"));
    return entries.map((e) => `COPY --from=build ${e} ${e}`).join("\n");
  });
  const out = mkdtempSync(join(tmpdir(), "sb-bench-copy-"));
  writeFileSync(join(out, "Dockerfile"), copied.join("\n"));
  return out;
}

for (const ex of examples) {
  const dir = join("examples", ex.name);
  const bundleTag = `sidebundle-bench/${ex.name}`;
  const fatTag = `sidebundle-bench/${ex.name}:fat`;
  await dockerOk(["buildx", "build", "--quiet", "--tag", fatTag, "--target", "build", dir]);
  await dockerOk(["buildx", "build", "--quiet", "--tag", bundleTag, dir]);
  const plainCached = await seconds(["--target", "build", dir]);
  const bundleFresh = await seconds([`--no-cache-filter=${ex.stage}`, dir]);
  const bundleCached = await seconds([dir]);
  const copyDir = withCopyInsteadOfBundle(dir);
  await dockerOk(["buildx", "build", "--quiet", copyDir]);
  const copyCached = await seconds([copyDir]);
  const [bundleSize, fatSize] = [await size(bundleTag), await size(fatTag)];
  console.log(`${ex.name}: BUNDLE overhead ${(bundleFresh - plainCached).toFixed(2)} s (re-run ${bundleFresh.toFixed(2)} s, plain cached ${plainCached.toFixed(2)} s)`);
  console.log(`${ex.name}: cached rebuild ${(bundleCached / plainCached).toFixed(2)}x a cached plain build (${bundleCached.toFixed(2)} s vs ${plainCached.toFixed(2)} s)`);
  console.log(`${ex.name}: cached rebuild ${(bundleCached / copyCached).toFixed(2)}x the same Dockerfile with COPY for BUNDLE through sidebundle (${copyCached.toFixed(2)} s)`);
  console.log(`${ex.name}: image ${bundleSize} bytes = ${((100 * bundleSize) / fatSize).toFixed(2)}% of the fat stage (${fatSize} bytes)`);
  if (ex.minimal) {
    const minimal = await closureBytes(fatTag, ex.minimal);
    console.log(`${ex.name}: ${(bundleSize / minimal).toFixed(4)}x the smallest closure (${minimal} bytes in ${ex.minimal.length} files)`);
  }
}
