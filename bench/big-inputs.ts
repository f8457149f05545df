// Big inputs, bounded memory: the resolve step (resolveBundle, as the resolve op runs it) over a
// root holding a 4 GiB file (sparse: no disk used) that --include adds, with a trace log of ten
// million events read as a stream. The step runs in a child process; its peak resident memory
// (maxRSS) is printed against the target of 256 MB, with its time.
// Run: npm run bench -- big-inputs (BENCH_EVENTS and BENCH_BIG_FILE change the sizes).
import { execFileSync, spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { HostFS } from "../frontend/closure/index.js";
import { readLog, resolveBundle } from "../frontend/resolve/resolution.js";

const BIG_FILE = Number(process.env.BENCH_BIG_FILE ?? 4 * 2 ** 30);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const DATA_FILES = 1000;
const CHILDREN = 100;
const TARGET_MB = 256;
const ENTRY = "/usr/bin/true";

/** A small root: the entry and its libraries from this machine, data files and the big file. */
function makeRoot(dir: string): string {
  const root = join(dir, "root");
  const libs = execFileSync("ldd", [ENTRY], { encoding: "utf8" }).match(/\/\S+/g) ?? [];
  for (const file of [ENTRY, ...libs]) {
    mkdirSync(join(root, file, ".."), { recursive: true });
    execFileSync("cp", ["-L", "--preserve=mode", file, join(root, file)]);
  }
  mkdirSync(join(root, "data/files"), { recursive: true });
  for (let i = 0; i < DATA_FILES; i++) writeFileSync(join(root, `data/files/${i}.txt`), `${i}\n`);
  writeFileSync(join(root, "data/model.bin"), "weights");
  truncateSync(join(root, "data/model.bin"), BIG_FILE);
  return root;
}

/** The entry, a hundred children, each opening data files and looking for missing ones: ten million events. */
async function writeTrace(path: string): Promise<void> {
  const out = createWriteStream(path);
  const write = (line: string) => (out.write(line) ? undefined : new Promise<void>((resolve) => out.once("drain", resolve)));
  const common = (pid: number) => `"pid":${pid},"ppid":1,"exe":"${ENTRY}"`;
  await write(`{"type":"exec",${common(2)},"syscall":"execve","path":"${ENTRY}","abs":"${ENTRY}","result":0,"argv":["true"]}\n`);
  for (let c = 0; c < CHILDREN; c++) await write(`{"type":"spawn","pid":${10 + c},"ppid":2,"exe":"${ENTRY}","kind":"fork"}\n`);
  let chunk = "";
  for (let i = 0; i < EVENTS - CHILDREN - 2; i++) {
    const pid = 10 + (i % CHILDREN);
    const n = i % DATA_FILES;
    chunk +=
      i % 10 === 9
        ? `{"type":"file",${common(pid)},"syscall":"newfstatat","path":"missing-${n}","abs":"/data/missing-${n}","result":-2,"errno":"ENOENT","flags":0}\n`
        : `{"type":"file",${common(pid)},"syscall":"openat","path":"files/${n}.txt","abs":"/data/files/${n}.txt","result":3,"flags":0}\n`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = "";
    }
  }
  await write(chunk + `{"type":"end","status":0,"timedOut":false,"rootPid":2}\n`);
  await new Promise<void>((resolve) => out.end(resolve));
}

/** In the child: the resolve step, then its time and peak memory as JSON. */
async function resolveStep(root: string, trace: string): Promise<void> {
  const start = performance.now();
  const log = readLog(trace);
  const request = { entries: [ENTRY], env: {}, include: ["/data/model.bin"], exclude: [], allowGpuLibs: false, skipRules: [], strict: false, ignore: [], launchers: false, baseDirs: true, traceTimeoutKeeps: false, packageMetadata: true };
  const resolution = await resolveBundle(new HostFS(root), request, [log]);
  if (!("plan" in resolution)) throw new Error(JSON.stringify(resolution));
  const plan = resolution.plan;
  const ms = performance.now() - start;
  console.log(JSON.stringify({ ms, maxRssKB: process.resourceUsage().maxRSS, files: plan.entries.length, model: resolution.digests["/data/model.bin"] }));
}

async function main(): Promise<void> {
  if (process.argv[2] === "--resolve") return resolveStep(process.argv[3]!, process.argv[4]!);
  const dir = mkdtempSync(join(tmpdir(), "sb-bench-big-"));
  try {
    const root = makeRoot(dir);
    const trace = join(dir, "trace.jsonl");
    await writeTrace(trace);
    const size = Number(execFileSync("stat", ["-c", "%s", trace], { encoding: "utf8" }));
    const child = spawnSync(process.execPath, [process.argv[1]!, "--resolve", root, trace], { encoding: "utf8" });
    if (child.status !== 0) throw new Error(`resolve step failed: ${child.stderr}`);
    const r = JSON.parse(child.stdout) as { ms: number; maxRssKB: number; files: number; model: string };
    const peakMB = r.maxRssKB / 1024;
    console.log(
      `resolve: ${EVENTS / 1e6}M trace events (${(size / 2 ** 30).toFixed(2)} GiB of log) + a ${BIG_FILE / 2 ** 30} GiB file: ` +
        `${(r.ms / 1000).toFixed(1)} s, ${r.files} plan entries, peak memory ${peakMB.toFixed(0)} MB ` +
        `(${(peakMB / TARGET_MB).toFixed(2)}× the ${TARGET_MB} MB target)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
