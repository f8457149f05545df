// Tracer overhead: each workload runs natively, under sidebundle-trace and under
// `strace -f -e trace=%file -o /dev/null`, interleaved in the same run; prints median ratios
// against native. Never asserts absolute times (the target is <= 1.2x native).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const RUNS = 7;
const tracer = "dist/sidebundle-trace";
const logDir = mkdtempSync(join(tmpdir(), "sidebundle-bench-"));
const log = join(logDir, "log.jsonl");

const workloads: Record<string, string[]> = {
  "python imports": ["/usr/bin/python3", "-c", "import json, decimal, sqlite3, ssl, email, http.client"],
  "find -newer": ["find", "/usr", "-type", "f", "-newer", "/etc/hostname"],
};
const modes: Record<string, (cmd: string[]) => string[]> = {
  native: (cmd) => cmd,
  "sidebundle-trace": (cmd) => [tracer, "--output", log, "--", ...cmd],
  strace: (cmd) => ["strace", "-f", "-e", "trace=%file", "-o", "/dev/null", ...cmd],
};

function timeMs(argv: string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", "inherit"] });
  if (run.status !== 0) throw new Error(`${argv.join(" ")} exited ${run.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

execFileSync("make", ["-s", "-C", "tracer-static"], { stdio: "inherit" });
for (const [name, cmd] of Object.entries(workloads)) {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
  for (const wrap of Object.values(modes)) timeMs(wrap(cmd)); // warm the page cache
  for (let i = 0; i < RUNS; i++) for (const [mode, wrap] of Object.entries(modes)) times[mode]!.push(timeMs(wrap(cmd)));
  const native = median(times.native!);
  const ratio = (mode: string) => (median(times[mode]!) / native).toFixed(2);
  console.log(
    `${name}: native ${native.toFixed(1)} ms; sidebundle-trace ${ratio("sidebundle-trace")}x; strace ${ratio("strace")}x (median of ${RUNS})`,
  );
}
rmSync(logDir, { recursive: true, force: true });
