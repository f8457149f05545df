// --layout=single-file against --layout=portable, both built from examples/single-file in this
// run (the same entries and traces, so the file carries exactly the portable bundle):
// - start-up of jq and python3 from the file's first run (a fresh cache, so it unpacks) and from
//   a later run (the cache filled), as ratios against the portable bundle's launcher;
// - the file's size against the portable bundle as a tar compressed with the same algorithm
//   (deflate, zlib's default level 6: gzip -6), and against the uncompressed tar.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dockerOk } from "../test/e2e/docker.js";

/** Runs from a warm cache are a few milliseconds: many, for a stable median. */
const WARM_RUNS = 41;
const FIRST_RUNS = 7;
const EXAMPLE = "examples/single-file";
const uses = [
  { entry: "jq", args: ["--version"] },
  { entry: "python3", args: ["-c", "import json, decimal"] },
];

/** Every directory made here (a first run's home holds an unpacked bundle), removed at the end. */
const made: string[] = [];
function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sb-bench-${name}-`));
  made.push(dir);
  return dir;
}

async function build(layout: string): Promise<string> {
  const dir = tempDir(layout);
  const dockerfile = readFileSync(join(EXAMPLE, "Dockerfile"), "utf8").replace("--layout=single-file", `--layout=${layout}`);
  writeFileSync(join(dir, "Dockerfile"), dockerfile);
  const out = join(dir, "out");
  await dockerOk(["buildx", "build", "--quiet", "--output", `type=local,dest=${out}`, dir]);
  return out;
}

/** Median wall time in milliseconds; `home()` gives each run's HOME. */
function startup(file: string, args: string[], home: () => string, runs = WARM_RUNS): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const env = { PATH: "/usr/bin:/bin", HOME: home() };
    const start = process.hrtime.bigint();
    const r = spawnSync(file, args, { env, stdio: "ignore" });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (r.status !== 0) throw new Error(`${file} ${args.join(" ")} exited ${r.status}`);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

const single = await build("single-file");
const portable = await build("portable");
const warm = tempDir("home");
for (const u of uses) {
  const base = startup(join(portable, "bin", u.entry), u.args, () => warm);
  const first = startup(join(single, u.entry), u.args, () => tempDir("home"), FIRST_RUNS);
  const later = startup(join(single, u.entry), u.args, () => warm);
  console.log(`${u.entry}: first run ${(first / base).toFixed(2)}x the portable bundle (${first.toFixed(1)} ms vs ${base.toFixed(1)} ms)`);
  console.log(`${u.entry}: later runs ${(later / base).toFixed(2)}x the portable bundle (${later.toFixed(1)} ms)`);
}
const tar = execFileSync("tar", ["-C", portable, "-cf", "-", "."], { maxBuffer: 1 << 30 });
const gzip = execFileSync("gzip", ["-6", "-c"], { input: tar, maxBuffer: 1 << 30 });
const file = statSync(join(single, "jq")).size;
console.log(`size: the file ${file} bytes = ${(file / gzip.length).toFixed(3)}x the portable bundle's tar.gz (gzip -6, ${gzip.length} bytes), ${(file / tar.length).toFixed(3)}x its tar (${tar.length} bytes)`);
for (const dir of made) rmSync(dir, { recursive: true, force: true });
