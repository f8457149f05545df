// What a BUNDLE needs of its source, worked out where the source's files are: the closure plan,
// every file's sha256, and for a portable bundle each entry's launch spec. Pure over RootFS, so
// the frontend can run it in a cached exec op (resolve-run.ts) and the tests on a directory.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { computeClosure, describeWarning, isUnresolved, launchSpec, otherPackageDatabases, owningPackages, parseTraceLines } from "../closure/index.js";
import type { EndEvent, LaunchSpec, Packages, Plan, RootFS, TraceEvent } from "../closure/index.js";
import { forEachConcurrently } from "../concurrency.js";
import { unavailableLine } from "../trace/unavailable.js";

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
  /** Count the source's regular files and bytes (a minimize reports them beside the bundle's). */
  measureSource?: boolean;
  /** The bundle carries package metadata (--package-metadata): keep the OS identity files. */
  packageMetadata: boolean;
}

/** Regular files and their bytes. */
export interface Size {
  files: number;
  bytes: number;
}

export interface Resolved {
  plan: Plan;
  /** sha256 of every file of the plan. */
  digests: Record<string, string>;
  /** The Debian packages owning bundled files (manifest.lock, status.d, the SBOM). */
  packages: Packages;
  /** Launch specs by entry, when asked for. */
  launches?: Record<string, LaunchSpec>;
  /** Why the commands could not be traced (ptrace unavailable: QEMU emulation, Yama scope 3). */
  untraced?: string;
  /** The whole source's size, when asked for. */
  source?: Size;
}

/** A --trace whose command failed or ran out of time; `trace` is its index. */
export interface TraceFailure {
  trace: number;
  status: number;
  timedOut: boolean;
}

/** A failure the user caused (missing entry, --strict, a failed trace ...): reported at the BUNDLE. */
export type Resolution = Resolved | { error: string } | { traceFailed: TraceFailure };

/** Each --trace's log as its lines, read as a stream (a log may hold millions of events). */
export type TraceLog = AsyncIterable<string>;

/**
 * A log file's lines, read as they are consumed. The file is opened on the first read: readline
 * drops the lines it emits before its iterator exists.
 */
export async function* readLog(path: string): TraceLog {
  yield* createInterface({ input: createReadStream(path), crlfDelay: Infinity });
}

const CONCURRENT_READS = 32;
/** Files are hashed this many bytes at a time, so a file of any size can be. */
const HASH_CHUNK = 1 << 20;

export async function resolveBundle(fs: RootFS, req: ResolveRequest, traceLogs: TraceLog[]): Promise<Resolution> {
  try {
    const traces = new Traces(traceLogs);
    const plan = await closure(fs, req, traces.events());
    // A failed trace is known at its end event, once the closure has read every log.
    const traceFailed = traces.failure(req.traceTimeoutKeeps);
    if (traceFailed) return { traceFailed };
    const digests = await fileDigests(fs, plan);
    const packages = await owningPackages(fs, plan);
    const launches = req.launchers ? await launchSpecs(fs, req, plan) : undefined;
    const { untraced } = traces;
    const source = req.measureSource ? await treeSize(fs, "/") : undefined;
    return { plan, digests, packages, ...(launches && { launches }), ...(untraced && { untraced }), ...(source && { source }) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The events of every log in turn; a log that says ptrace was unavailable has none. */
class Traces {
  untraced?: string;
  /** Each log's end event (the tracer runs traces with --exit-zero: the status is only there). */
  private readonly ends: (EndEvent | undefined)[] = [];

  constructor(private readonly logs: TraceLog[]) {}

  async *events(): AsyncGenerator<TraceEvent> {
    for (const [index, log] of this.logs.entries()) {
      for await (const event of parseTraceLines(this.unavailableLines(log))) {
        if (event.type === "end") this.ends[index] = event;
        yield event;
      }
    }
  }

  /** The first trace whose command failed, or ran out of time when that is not what was asked. */
  failure(timeoutKeeps: boolean): TraceFailure | undefined {
    for (const [trace, end] of this.ends.entries()) {
      if (end && !(end.timedOut ? timeoutKeeps : end.status === 0)) return { trace, status: end.status, timedOut: end.timedOut };
    }
    return undefined;
  }

  private async *unavailableLines(log: TraceLog): AsyncGenerator<string> {
    for await (const line of log) {
      const reason = unavailableLine(line);
      if (reason === undefined) yield line;
      else this.untraced = reason;
    }
  }
}

async function closure(fs: RootFS, req: ResolveRequest, trace: AsyncIterable<TraceEvent>): Promise<Plan> {
  const { entries, env, include, exclude, allowGpuLibs, skipRules, ignore, baseDirs } = req;
  const options = { entries, env, trace, include, exclude, allowGpuLibs, skipRules, ignore, baseDirs, osIdentity: req.packageMetadata };
  const computed = await computeClosure(fs, options);
  const plan = req.packageMetadata ? { ...computed, warnings: [...computed.warnings, ...(await otherPackageDatabases(fs))] } : computed;
  const unresolved = plan.warnings.filter(isUnresolved);
  if (req.strict && unresolved.length) throw new Error(`--strict: ${unresolved.map(describeWarning).join("; ")}`);
  return plan;
}

/** The regular files under a directory, symlinks not followed. */
async function treeSize(fs: RootFS, dir: string): Promise<Size> {
  const size = { files: 0, bytes: 0 };
  const names = await fs.readdir(dir);
  await forEachConcurrently(names, CONCURRENT_READS, async (name) => {
    const path = dir === "/" ? `/${name}` : `${dir}/${name}`;
    const stat = await fs.lstat(path);
    if (stat?.type === "dir") {
      const sub = await treeSize(fs, path);
      size.files += sub.files;
      size.bytes += sub.bytes;
    } else if (stat?.type === "file") {
      size.files++;
      size.bytes += stat.size;
    }
  });
  return size;
}

/** sha256 of each file's content, a few files at a time, each read in chunks. */
async function fileDigests(fs: RootFS, plan: Plan): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  const files = plan.entries.flatMap((e) => (e.kind === "file" ? [e.path] : []));
  await forEachConcurrently(files, CONCURRENT_READS, async (path) => {
    digests[path] = await sha256(fs, path);
  });
  return Object.fromEntries(Object.entries(digests).sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function sha256(fs: RootFS, path: string): Promise<string> {
  const hash = createHash("sha256");
  for (let offset = 0; ; offset += HASH_CHUNK) {
    const bytes = await fs.readFile(path, { offset, length: HASH_CHUNK });
    hash.update(bytes);
    if (bytes.length < HASH_CHUNK) return hash.digest("hex");
  }
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
