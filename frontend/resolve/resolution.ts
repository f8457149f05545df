// What a BUNDLE needs of its source, worked out where the source's files are: the closure plan,
// every file's sha256, and for a portable bundle each entry's launch spec. Pure over RootFS, so
// the frontend can run it in a cached exec op (resolve-run.ts) and the tests on a directory.
import { createHash } from "node:crypto";
import { computeClosure, describeWarning, isUnresolved, launchSpec, parseTrace, type LaunchSpec, type Plan, type RootFS, type TraceEvent } from "../closure/index.js";
import { forEachConcurrently } from "../concurrency.js";
import { unavailableReason } from "../trace/unavailable.js";

export interface ResolveRequest {
  entries: string[];
  /** The source's environment (PATH, LD_LIBRARY_PATH). */
  env: Record<string, string>;
  include: string[];
  exclude: string[];
  allowGpuLibs: boolean;
  /** Runtime-data rules not to apply (--skip-rule). */
  skipRules: string[];
  strict: boolean;
  /** Paths the traces saw that are the frontend's own mounts, not the source's. */
  ignore: string[];
  /** A launch spec per entry, for the portable layout. */
  launchers: boolean;
  /** A root filesystem bundle: /tmp, /var/tmp and the source's /run (ClosureOptions.baseDirs). */
  baseDirs: boolean;
  /** --trace-timeout: a trace stopped by its timeout is a success, not a failure. */
  traceTimeoutKeeps: boolean;
}

export interface Resolved {
  plan: Plan;
  /** sha256 of every file of the plan. */
  digests: Record<string, string>;
  /** Launch specs by entry, when asked for. */
  launches?: Record<string, LaunchSpec>;
  /** Why the commands could not be traced (ptrace unavailable: QEMU emulation, Yama scope 3). */
  untraced?: string;
}

/** A --trace whose command failed or ran out of time; `trace` is its index. */
export interface TraceFailure {
  trace: number;
  status: number;
  timedOut: boolean;
}

/** A failure the user caused (missing entry, --strict, a failed trace ...): reported at the BUNDLE. */
export type Resolution = Resolved | { error: string } | { traceFailed: TraceFailure };

const CONCURRENT_READS = 32;

/** `traceLogs` are the tracer's JSON Lines logs, one per --trace. */
export async function resolveBundle(fs: RootFS, req: ResolveRequest, traceLogs: string[]): Promise<Resolution> {
  try {
    const untraced = unavailableReason(traceLogs);
    const traces = untraced ? [] : traceLogs.map(parseTrace);
    const traceFailed = traces.map((events, trace) => failure(events, trace, req.traceTimeoutKeeps)).find((f) => f !== undefined);
    if (traceFailed) return { traceFailed };
    const plan = await closure(fs, req, traces.flat());
    const digests = await fileDigests(fs, plan);
    const launches = req.launchers ? await launchSpecs(fs, req, plan) : undefined;
    return { plan, digests, ...(launches && { launches }), ...(untraced && { untraced }) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The trace's failure, from its end event (the tracer runs traces with --exit-zero). */
function failure(events: TraceEvent[], trace: number, timeoutKeeps: boolean): TraceFailure | undefined {
  const end = events.find((e) => e.type === "end");
  if (!end || (end.timedOut ? timeoutKeeps : end.status === 0)) return undefined;
  return { trace, status: end.status, timedOut: end.timedOut };
}

async function closure(fs: RootFS, req: ResolveRequest, trace: TraceEvent[]): Promise<Plan> {
  const { entries, env, include, exclude, allowGpuLibs, skipRules, ignore, baseDirs } = req;
  const plan = await computeClosure(fs, { entries, env, trace, include, exclude, allowGpuLibs, skipRules, ignore, baseDirs });
  for (const e of plan.entries) {
    if (e.kind === "file" && e.reasons.some((r) => r.kind === "entry") && !(e.mode & 0o111)) throw new Error(`entry ${e.path} is not executable`);
  }
  const unresolved = plan.warnings.filter(isUnresolved);
  if (req.strict && unresolved.length) throw new Error(`--strict: ${unresolved.map(describeWarning).join("; ")}`);
  return plan;
}

/** sha256 of each file's content, read a few at a time. */
async function fileDigests(fs: RootFS, plan: Plan): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  const files = plan.entries.flatMap((e) => (e.kind === "file" ? [e.path] : []));
  await forEachConcurrently(files, CONCURRENT_READS, async (path) => {
    digests[path] = createHash("sha256").update(await fs.readFile(path)).digest("hex");
  });
  return Object.fromEntries(Object.entries(digests).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** One launcher per entry; the loader ignores library paths for setuid programs. */
async function launchSpecs(fs: RootFS, req: ResolveRequest, plan: Plan): Promise<Record<string, LaunchSpec>> {
  const modes = new Map(plan.entries.map((e) => [e.path, e.kind === "symlink" ? 0 : e.mode]));
  const launches: Record<string, LaunchSpec> = {};
  for (const entry of req.entries) {
    const launch = await launchSpec(fs, entry, req.env);
    if ((modes.get(launch.program) ?? 0) & 0o6000) {
      throw new Error(`${entry} is setuid/setgid: the loader ignores library paths in secure mode, so it cannot run from a portable bundle`);
    }
    launches[entry] = launch;
  }
  return launches;
}
