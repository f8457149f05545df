// Wall time of a plain Dockerfile built through sidebundle/frontend against the builtin Dockerfile
// frontend, in the same run: cold (--no-cache) and cached. Medians of RUNS builds each.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dockerOk } from "../test/e2e/docker.js";

const RUNS = 5;
const CASE = "test/e2e/passthrough/multistage-target";

function checkout(frontend: "sidebundle" | "builtin"): string {
  const dir = mkdtempSync(join(tmpdir(), `sb-bench-${frontend}-`));
  cpSync(CASE, dir, { recursive: true });
  if (frontend === "builtin") {
    const file = join(dir, "Dockerfile");
    writeFileSync(file, readFileSync(file, "utf8").replace("# syntax=sidebundle/frontend", "# builtin"));
  }
  return dir;
}

async function median(dir: string, extra: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    await dockerOk(["buildx", "build", "--quiet", ...extra, "."], { cwd: dir });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

const ours = checkout("sidebundle");
const builtin = checkout("builtin");
for (const [label, extra] of [
  ["cold (--no-cache)", ["--no-cache"]],
  ["cached", []],
] as const) {
  const b = await median(builtin, [...extra]);
  const s = await median(ours, [...extra]);
  console.log(`${label.padEnd(18)} builtin ${b.toFixed(0)} ms, sidebundle ${s.toFixed(0)} ms: ${(s / b).toFixed(2)}x`);
}
