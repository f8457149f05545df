// The zero-edit minimize (test/minimize/<case>, built with build-args only) against the plain build
// of the same Dockerfile by the builtin frontend, in the same run: wall time cold (--no-cache, one
// build each: every case installs Debian packages) and cached (median of RUNS), and the image
// sizes. `BENCH_CASES=nginx,cli-jq` picks cases.
import { CASES } from "../test/minimize/cases.js";
import { buildFat, buildMin, fatTag, imageSize, minTag } from "../test/minimize/run.js";

const RUNS = 3;
const picked = process.env.BENCH_CASES?.split(",");
const cases = CASES.filter((c) => !picked || picked.includes(c.name));

async function timed(build: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await build();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function median(build: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await timed(build));
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

for (const c of cases) {
  const plainCold = await timed(() => buildFat(c.name, ["--no-cache"]));
  const minCold = await timed(() => buildMin(c, ["--no-cache"]));
  const plainCached = await median(() => buildFat(c.name));
  const minCached = await median(() => buildMin(c));
  const [fat, min] = [await imageSize(fatTag(c.name)), await imageSize(minTag(c.name))];
  console.log(
    `${c.name.padEnd(13)} cold: plain ${s(plainCold)}, minimize ${s(minCold)} (${(minCold / plainCold).toFixed(2)}x); ` +
      `cached: plain ${s(plainCached)}, minimize ${s(minCached)} (${(minCached / plainCached).toFixed(2)}x); ` +
      `size: ${mb(min)} vs ${mb(fat)} (${(min / fat).toFixed(3)}x)`,
  );
}
