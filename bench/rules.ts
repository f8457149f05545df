// The size cost of each runtime-data rule on the cached Debian rootfs (test/closure/rootfs/build.sh):
// for a few programs with a real trace of one ordinary use (dist/sidebundle-trace, from
// `npm run build`), the bytes of the plan with every rule against the plan with that one rule
// skipped, measured in the same run. Prints the bytes each rule adds and the ratio
// (all rules / without the rule); a rule that does not apply to a program adds nothing (1.00×).
// Run: npm run bench -- rules
import { computeClosure, HostFS, RULE_NAMES, type ClosureOptions, type Plan } from "../frontend/closure/index.js";
import { debianRootfs } from "../test/closure/rootfs.js";
import { tracerInRoot } from "../test/closure/traces.js";

interface Program {
  label: string;
  entries: string[];
  trace: string[];
}

const PROGRAMS: Program[] = [
  { label: "date", entries: ["/usr/bin/date"], trace: ["/usr/bin/date"] },
  { label: "python3 import json, zoneinfo", entries: ["/usr/bin/python3"], trace: ["/usr/bin/python3", "-c", "import json, zoneinfo; zoneinfo.ZoneInfo('UTC')"] },
  { label: "convert jpg -> png", entries: ["/usr/bin/convert"], trace: ["/bin/sh", "-c", "convert rose: jpg:- | convert jpg:- png:-"] },
  { label: "nmap -sL", entries: ["/usr/bin/nmap"], trace: ["/usr/bin/nmap", "-n", "-sL", "127.0.0.1"] },
  { label: "su", entries: ["/usr/bin/su"], trace: ["/usr/bin/su", "root", "-c", "true"] },
  { label: "ffmpeg -version", entries: ["/usr/bin/ffmpeg"], trace: ["/usr/bin/ffmpeg", "-version"] },
];

function bytes(plan: Plan): number {
  return plan.entries.reduce((sum, e) => sum + (e.kind === "file" ? e.size : 0), 0);
}

function mb(n: number): string {
  return n < 1e6 ? `${(n / 1e3).toFixed(0)} kB` : `${(n / 1e6).toFixed(1)} MB`;
}

const root = debianRootfs();
const fs = new HostFS(root);
const totals = new Map<string, number>(RULE_NAMES.map((name) => [name, 0]));
for (const program of PROGRAMS) {
  const options: ClosureOptions = { entries: program.entries, trace: tracerInRoot(root, program.trace) };
  const all = bytes(await computeClosure(fs, options));
  const cells: string[] = [];
  for (const rule of RULE_NAMES) {
    const without = bytes(await computeClosure(fs, { ...options, skipRules: [rule] }));
    totals.set(rule, totals.get(rule)! + all - without);
    if (all > without) cells.push(`${rule} +${mb(all - without)} (${(all / without).toFixed(2)}×)`);
  }
  console.log(`${program.label.padEnd(32)} ${mb(all).padStart(9)}  ${cells.join(", ") || "no rule adds anything"}`);
}
console.log(`bytes added over all programs: ${[...totals].map(([rule, added]) => `${rule} ${mb(added)}`).join(", ")}`);
