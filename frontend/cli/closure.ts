// `sidebundle closure`, for debugging: the closure plan over a root directory, with reasons.
//   sidebundle closure --root DIR [--trace FILE] [--include GLOB]... [--exclude GLOB]...
//                      [--env K=V]... [--whole-trace] [--allow-gpu-libs] [--skip-rule NAME]... [--json] ENTRY...
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { computeClosure, describeReason, describeWarning, HostFS, parseTraceLines, type Plan } from "../closure/index.js";
import { readLog } from "../resolve/resolution.js";
import { UsageError } from "./errors.js";

export const CLOSURE_USAGE =
  "usage: sidebundle closure --root DIR [--trace FILE] [--include GLOB]... [--exclude GLOB]... " +
  "[--env K=V]... [--whole-trace] [--allow-gpu-libs] [--skip-rule NAME]... [--json] ENTRY...";

export async function closureCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      root: { type: "string" },
      trace: { type: "string" },
      include: { type: "string", multiple: true, default: [] },
      exclude: { type: "string", multiple: true, default: [] },
      env: { type: "string", multiple: true, default: [] },
      "whole-trace": { type: "boolean", default: false },
      "allow-gpu-libs": { type: "boolean", default: false },
      "skip-rule": { type: "string", multiple: true, default: [] },
      json: { type: "boolean", default: false },
    },
  });
  if (!values.root || positionals.length === 0) throw new UsageError("closure needs --root DIR and at least one ENTRY");
  const plan = await computeClosure(new HostFS(resolve(values.root)), {
    entries: positionals,
    env: Object.fromEntries(values.env.map(envPair)),
    ...(values.trace ? { trace: parseTraceLines(readLog(values.trace)) } : {}),
    include: values.include,
    exclude: values.exclude,
    allowGpuLibs: values["allow-gpu-libs"],
    skipRules: values["skip-rule"],
    wholeTrace: values["whole-trace"],
  });
  process.stdout.write(values.json ? JSON.stringify(plan, null, 2) + "\n" : table(plan));
}

function envPair(pair: string): [string, string] {
  const equals = pair.indexOf("=");
  if (equals <= 0) throw new UsageError(`--env expects NAME=VALUE, got ${JSON.stringify(pair)}`);
  return [pair.slice(0, equals), pair.slice(equals + 1)];
}

function table(plan: Plan): string {
  const rows = plan.entries.map((e) => {
    const what = e.kind === "symlink" ? `${e.path} -> ${e.target}` : e.path;
    const size = e.kind === "file" ? `  (${e.size} bytes)` : "";
    return `${e.kind.padEnd(7)} ${what}${size}\n        ${e.reasons.map(describeReason).join("; ")}`;
  });
  const warnings = plan.warnings.map((w) => `warning: ${describeWarning(w)}`);
  return [...rows, ...warnings, `${plan.entries.length} entries, ${plan.warnings.length} warnings`].join("\n") + "\n";
}
