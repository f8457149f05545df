// Independent BUNDLEs are solved concurrently: a Dockerfile with two BUNDLEs in stages that do
// not need each other, against the same Dockerfile with one, both re-running their BUNDLE ops
// (--no-cache-filter on the bundle stages, the source stage cached). Each BUNDLE's trace sleeps
// 3 s, so solved one after the other the two would take about 3 s more than the one.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dockerOk } from "../test/e2e/docker.js";

const RUNS = 3;
const bundleStage = (name: string, entry: string) => `FROM scratch AS ${name}
BUNDLE --from=build --trace="sleep 3; ${entry} --version" /usr/bin/${entry}
`;
const dockerfile = (stages: string[][]) => `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build
${stages.map(([name, entry]) => bundleStage(name, entry)).join("\n")}
FROM scratch
${stages.map(([name]) => `COPY --from=${name} / /`).join("\n")}
`;

function context(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "sb-bench-stages-"));
  writeFileSync(join(dir, "Dockerfile"), text);
  return dir;
}

async function seconds(dir: string, stages: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    await dockerOk(["buildx", "build", "--quiet", `--no-cache-filter=${stages.join(",")}`, dir]);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

const one = context(dockerfile([["a", "sort"]]));
const two = context(dockerfile([["a", "sort"], ["b", "tr"]]));
await dockerOk(["buildx", "build", "--quiet", two]); // the source stage, cached for both
const single = await seconds(one, ["a"]);
const double = await seconds(two, ["a", "b"]);
console.log(`stages: two independent BUNDLEs ${double.toFixed(2)} s, one BUNDLE ${single.toFixed(2)} s: ratio ${(double / single).toFixed(2)} (1.0 = fully concurrent; one after the other would add about 3 s)`);
