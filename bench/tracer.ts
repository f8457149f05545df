// Tracer overhead: each workload runs natively, under sidebundle-trace, under the tracer before
// co-scheduling (UNPINNED_COMMIT: the same stops, tracer and tracees on any CPU), under the tracer
// before outcomes were derived at entry (BASELINE_COMMIT: two stops per traced call) and under
// `strace -f -e trace=%file -o /dev/null`, in alternating rounds of the same run (each round
// rotates the order); prints median times as ratios to native, and the ptrace stops per logged
// event (counted by strace on the tracer's wait4 calls). Never asserts absolute times. Targets
// (issue 16): Python <= 1.3x native, <= 1.2 stops per event, every ratio at most half of strace's,
// read as overhead (ratio - 1) at most half of strace's overhead: half of strace's Python ratio is
// below native.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { BASELINE_COMMIT, UNPINNED_COMMIT, buildTracer, buildTracerAt, countStops, removeTempDirs, tempDir, tracer } from "../test/tracer/helpers.js";

// Rounds per workload (RUNS=n for all): the short ones more, their medians drift most on a busy machine.
const workloads: Record<string, { cmd: string[]; rounds: number }> = {
  "python start-up": {
    cmd: ["/usr/bin/python3", "-c", "import json, decimal, sqlite3, ssl, email.parser, http.client, xml.dom.minidom, argparse, logging"],
    rounds: 21,
  },
  "find -newer": { cmd: ["find", "/usr", "-type", "f", "-newer", "/etc/hostname"], rounds: 7 },
  "shell pipeline": {
    cmd: ["sh", "-c", "cat /etc/passwd /etc/group | grep -v nologin | cut -d: -f1 | sort | uniq | wc -l; ls -l /usr/bin | sort -k5 -n | tail -n 3"],
    rounds: 21,
  },
};

buildTracer();
const baseline = buildTracerAt(BASELINE_COMMIT, tempDir("bench-baseline"));
const unpinned = buildTracerAt(UNPINNED_COMMIT, tempDir("bench-unpinned"));
const log = join(tempDir("bench-log"), "log.jsonl");
const modes: Record<string, (cmd: string[]) => string[]> = {
  native: (cmd) => cmd,
  "sidebundle-trace": (cmd) => [tracer, "--output", log, "--", ...cmd],
  unpinned: (cmd) => [unpinned, "--output", log, "--", ...cmd],
  baseline: (cmd) => [baseline, "--output", log, "--", ...cmd],
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

/** strace's own stops: its wait4 calls that reported a stopped tracee, counted through a pipe (no file of every call). */
function straceStops(cmd: string[]): number {
  const count = join(tempDir("bench-strace"), "stops");
  spawnSync("strace", ["-e", "trace=wait4", "-o", `|grep -c WIFSTOPPED >${count}`, ...modes.strace!(cmd)], { stdio: "ignore" });
  return Number(readFileSync(count, "utf8"));
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
console.log(`load average before: ${load()} (1, 5, 15 min)`);
const rows: string[] = [];
for (const [name, { cmd, rounds }] of Object.entries(workloads)) {
  const runs = process.env.RUNS ? Number(process.env.RUNS) : rounds;
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
  const order = Object.keys(modes);
  for (const mode of order) timeMs(modes[mode]!(cmd)); // warm the page cache
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < order.length; k++) {
      const mode = order[(i + k) % order.length]!;
      times[mode]!.push(timeMs(modes[mode]!(cmd)));
    }
  }
  const native = median(times.native!);
  const ratio = (mode: string) => median(times[mode]!) / native;
  const now = countStops(tracer, cmd);
  const before = countStops(baseline, cmd);
  // Events: the log's lines but the end; the baseline's also holds the fstat calls no longer traced.
  const [eventsNow, eventsBefore] = [now.events.length - 1, before.events.length - 1];
  const strace = straceStops(cmd);
  rows.push(
    `| ${name} | ${runs} | ${native.toFixed(1)} | ${ratio("sidebundle-trace").toFixed(2)}x | ${ratio("unpinned").toFixed(2)}x | ${ratio("baseline").toFixed(2)}x | ` +
      `${ratio("strace").toFixed(2)}x | ${(now.stops / eventsNow).toFixed(2)} | ${(before.stops / eventsBefore).toFixed(2)} | ` +
      `${(strace / eventsBefore).toFixed(2)} | ${eventsNow} / ${eventsBefore} |`,
  );
  console.log(rows.at(-1));
}
console.log(`load average after: ${load()}`);
console.log("\n| workload | rounds | native ms (median) | sidebundle-trace / native | unpinned / native | baseline / native | strace / native | stops per event | baseline's | strace's (per baseline event) | events (log / baseline log) |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
removeTempDirs();
