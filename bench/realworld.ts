// The real-world cases (test/realworld/), measured in one run: each bundle's size against its fat
// stage, and its start-up against the fat stage's: a command-line case's traced use from its
// process's start to its exit, a server from its process's start to its first HTTP answer (Docker's
// own start and exit times, so the engine's set-up of the container is not counted). Medians of
// RUNS alternating runs; the target is a ratio of at most 1.1. REALWORLD_CASES=a,b picks cases.
import { cases, type Case } from "../test/realworld/cases.js";
import { buildBase, buildCase, imageSize, startServer, stopServer, timeUse } from "../test/realworld/run.js";

const RUNS = 7;
const TARGET = 1.1;
// Docker records a process's start and exit a few milliseconds off; shorter runs are not compared.
const RESOLUTION_MS = 10;
const picked = process.env.REALWORLD_CASES?.split(",");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Milliseconds to start: the traced use's process to its exit, or a server's process to its first answer. */
async function startMs(c: Case, tag: string, fat: string): Promise<number> {
  if (c.kind === "server") {
    const r = await startServer(tag, c.command, c.port);
    await stopServer(r);
    if (r.failure !== undefined) throw new Error(`${c.name}: ${tag} did not answer: ${r.failure}`);
    return r.firstResponseMs!;
  }
  const beside = c.beside && (await startServer(fat, c.beside.command, c.beside.port));
  try {
    const { ms, out } = await timeUse(tag, c, c.uses[0], beside ? `container:${beside.probe}` : "none");
    if (out.code !== 0) throw new Error(`${c.name}: ${tag} exited ${out.code}: ${out.stderr.slice(-500)}`);
    return ms;
  } finally {
    if (beside) await stopServer(beside);
  }
}

await buildBase();
for (const c of cases.filter((c) => !picked || picked.includes(c.name))) {
  const built = await Promise.all([buildCase(c.name, true), buildCase(c.name, false)]).catch((e: Error) => e);
  if (built instanceof Error) {
    console.log(`${c.name}: not built: ${built.message.split("\n").slice(1).join(" ").slice(0, 300)}`);
    continue;
  }
  const [fat, bundle] = built;
  const [fatSize, bundleSize] = [await imageSize(fat), await imageSize(bundle)];
  const times = { fat: [] as number[], bundle: [] as number[] };
  let failure = "";
  try {
    for (let i = 0; i < RUNS; i++) {
      times.fat.push(await startMs(c, fat, fat));
      times.bundle.push(await startMs(c, bundle, fat));
    }
  } catch (e) {
    failure = (e as Error).message.split("\n")[0];
  }
  const [bundleMs, fatMs] = [median(times.bundle), median(times.fat)];
  const ratio = bundleMs / fatMs;
  const start = failure
    ? `start-up not measured: ${failure}`
    : fatMs < RESOLUTION_MS
      ? `start-up ${bundleMs.toFixed(0)} ms vs ${fatMs.toFixed(0)} ms, within Docker's timestamp resolution (not compared)`
      : `start-up ${ratio.toFixed(2)}x the fat stage (${bundleMs.toFixed(0)} ms vs ${fatMs.toFixed(0)} ms)${ratio > TARGET ? ` ABOVE ${TARGET}x` : ""}`;
  console.log(`${c.name}: bundle ${(bundleSize / 1e6).toFixed(1)} MB = ${((100 * bundleSize) / fatSize).toFixed(1)}% of the fat stage (${(fatSize / 1e6).toFixed(1)} MB); ${start}`);
}
