// The closure engine's public API: from entries (+ a trace) to a sorted, explained file plan.
//
//   const plan = await computeClosure(new HostFS("/path/to/rootfs"), {
//     entries: ["/usr/bin/python3", "jq"],          // bare names are looked up on env.PATH
//     env: { PATH: "...", LD_LIBRARY_PATH: "..." }, // the source image's environment
//     trace: parseTrace(jsonLines),                  // the tracer's log, optional
//   });
//
// The engine only reads through the RootFS interface (ranged readFile, lstat, readdir,
// readlink) and resolves every path inside the root itself.
import { ClosureEngine, type ClosureOptions } from "./engine.js";
import type { RootFS } from "./fs.js";
import type { Plan } from "./plan.js";

export type { ClosureOptions } from "./engine.js";
export type { ByteRange, FileStat, FileType, RootFS } from "./fs.js";
export type { Owner, Plan, PlanDir, PlanEntry, PlanFile, PlanSymlink } from "./plan.js";
export { describeReason, describeWarning, isUnresolved, type Reason, type Warning } from "./reasons.js";
export { checkRuleNames, RULE_NAMES } from "./rules/runtime-data.js";
export type { EndEvent, ExecEvent, ExitEvent, FileEvent, SpawnEvent, TraceEvent } from "./trace.js";
export { HostFS } from "./host-fs.js";
export { launchSpec, type LaunchSpec } from "./launch.js";
export { otherPackageDatabases, owningPackages, STATUS_DIR, type DebPackage, type Distro, type OwningPackage, type Packages } from "./packages.js";
export { parseTrace, parseTraceLines } from "./trace.js";
export { SymlinkLoopError } from "./resolve.js";

/**
 * The files, symlinks and directories the entries need, each with its reasons, plus warnings
 * (unresolved dependencies, the host's GPU libraries left out, symlink loops met in the trace).
 * Rejects with a one-line error when an entry does not exist or is a symlink loop, when a rule
 * to skip is unknown, or when a trace line is malformed (parseTrace).
 */
export function computeClosure(fs: RootFS, options: ClosureOptions): Promise<Plan> {
  return new ClosureEngine(fs, options).run();
}
