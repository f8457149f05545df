// BUNDLE --compress's trade, measured in one run on the same jq + python3 BUNDLE with and without it:
// - bytes: the image size and the packed files' bytes;
// - start-up: the median wall time of a trivial run (jq -n 1, python3 -c pass), the bundle's files
//   run under chroot (as root) so that no container start is counted (chroot's own exec is, in both);
// - peak memory: the run's maximum RSS (GNU time's %M);
// - memory not shared: the private bytes (smaps_rollup) of a second, concurrent python3, which
//   shares the first one's file pages unless upx has unpacked them into anonymous memory.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { dockerOk } from "../test/e2e/docker.js";

const RUNS = 21;
const run = promisify(execFile);
const FLAGS = `--trace="jq -n '[1,2]|add'" --trace="python3 -c 'import json; print(json.dumps([1]))'" /usr/bin/jq /usr/bin/python3`;
const DOCKERFILE = `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends jq python3 && rm -rf /var/lib/apt/lists/*
FROM scratch AS plain
BUNDLE --from=build ${FLAGS}
FROM scratch AS packed
BUNDLE --from=build --compress ${FLAGS}
`;
const USES = [
  { name: "jq -n 1", argv: ["/usr/bin/jq", "-n", "1"] },
  { name: "python3 -c pass", argv: ["/usr/bin/python3", "-c", "pass"] },
];

interface Variant {
  root: string;
  imageBytes: number;
}

async function variant(dir: string, target: string): Promise<Variant> {
  const root = join(dir, target);
  await dockerOk(["buildx", "build", "--quiet", "--target", target, "--output", `type=local,dest=${root}`, dir]);
  const id = (await dockerOk(["buildx", "build", "--quiet", "--target", target, dir])).stdout.trim();
  return { root, imageBytes: Number((await dockerOk(["image", "inspect", "--format", "{{.Size}}", id])).stdout) };
}

/** Median seconds and median peak RSS (KiB) of RUNS runs of the program in the bundle. */
async function startup(root: string, argv: string[]): Promise<{ seconds: number; rssKiB: number }> {
  const samples: { seconds: number; rssKiB: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Wall time from here (GNU time counts hundredths), peak RSS from GNU time.
    const start = process.hrtime.bigint();
    await run("chroot", [root, ...argv]);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const { stderr } = await run("/usr/bin/time", ["-f", "%M", "chroot", root, ...argv]);
    samples.push({ seconds, rssKiB: Number(stderr.trim().split("\n").at(-1)) });
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { seconds: median(samples.map((s) => s.seconds)), rssKiB: median(samples.map((s) => s.rssKiB)) };
}

/** Private (unshared) KiB of the second of two python3 processes running at once. */
async function privateKiB(root: string): Promise<number> {
  const argv = ["chroot", root, "/usr/bin/python3", "-c", "import sys, time; print(1, flush=True); time.sleep(30)"];
  const procs = [spawn(argv[0], argv.slice(1)), spawn(argv[0], argv.slice(1))];
  try {
    await Promise.all(procs.map((p) => new Promise((ok) => p.stdout.once("data", ok))));
    const rollup = readFileSync(`/proc/${procs[1].pid}/smaps_rollup`, "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(rollup)![1]);
    return field("Private_Clean") + field("Private_Dirty");
  } finally {
    for (const p of procs) p.kill();
  }
}

function packedBytes(root: string): { before: number; after: number; files: number } {
  const doc = JSON.parse(readFileSync(join(root, ".sidebundle/manifest.lock"), "utf8")) as { paths: { size?: number; compressed?: { size: number } }[] };
  const packed = doc.paths.filter((p) => p.compressed);
  return { before: packed.reduce((s, p) => s + p.compressed!.size, 0), after: packed.reduce((s, p) => s + p.size!, 0), files: packed.length };
}

const dir = mkdtempSync(join(tmpdir(), "sb-bench-compress-"));
writeFileSync(join(dir, "Dockerfile"), DOCKERFILE);
const plain = await variant(dir, "plain");
const packed = await variant(dir, "packed");
const bytes = packedBytes(packed.root);
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
console.log(`image: ${mb(packed.imageBytes)} packed vs ${mb(plain.imageBytes)} plain (${(packed.imageBytes / plain.imageBytes).toFixed(2)}x, ${mb(plain.imageBytes - packed.imageBytes)} saved)`);
console.log(`packed files: ${bytes.files}, ${mb(bytes.after)} from ${mb(bytes.before)} (${(bytes.after / bytes.before).toFixed(2)}x)`);
for (const use of USES) {
  const [p, q] = [await startup(plain.root, use.argv), await startup(packed.root, use.argv)];
  console.log(`${use.name}: start-up ${(q.seconds / p.seconds).toFixed(2)}x (${q.seconds.toFixed(3)} s vs ${p.seconds.toFixed(3)} s), peak RSS ${(q.rssKiB / p.rssKiB).toFixed(2)}x (${q.rssKiB} KiB vs ${p.rssKiB} KiB), median of ${RUNS}`);
}
const [sharedPlain, sharedPacked] = [await privateKiB(plain.root), await privateKiB(packed.root)];
console.log(`python3, a second process at once: private memory ${(sharedPacked / sharedPlain).toFixed(2)}x (${sharedPacked} KiB vs ${sharedPlain} KiB not shared)`);
