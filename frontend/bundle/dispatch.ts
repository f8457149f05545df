// One BUNDLE instruction, end to end: solve the source, trace, compute the closure, assemble.
// Every op carries the BUNDLE's lines, so a failure in any of them shows the user's line.
import { basename } from "node:path";
import { definitionResult, SourceMap, type Definition, type OpOptions, type Platform, type State } from "../../llb/index.js";
import { computeClosure, launchSpec, parseTrace, type LaunchSpec, type Plan, type TraceEvent } from "../closure/index.js";
import { parseBundle, type BundleSpec, type Command } from "../dockerfile/bundle-spec.js";
import type { Overrides } from "../dockerfile/forward.js";
import { errorAt, type Dockerfile, type Instruction } from "../dockerfile/parse.js";
import type { DockerfileSource } from "../dockerfile/read.js";
import { assemble } from "../assemble/assemble.js";
import { fileDigests, manifest } from "../assemble/manifest.js";
import { assemblePortable } from "../assemble/portable.js";
import type { Gateway } from "../gateway/client.js";
import type { FrontendOptions } from "../gateway/options.js";
import { RefFS } from "../source/ref-fs.js";
import { envRecord, solveSource, type Source } from "../source/source.js";
import { isUnder, OWN_DIRS, TRACE_LOG } from "../trace/tools.js";
import { traceRun } from "../trace/trace-run.js";
import { payloadRoot, readOutcome, testFailure, testRun } from "../verify/test-run.js";

export interface BundleContext {
  gw: Gateway;
  opts: FrontendOptions;
  df: Dockerfile;
  platform: Platform;
  /** Nanoseconds since the epoch for every file written (SOURCE_DATE_EPOCH, else 0). */
  timestamp: bigint;
}

/** What the Dockerfile frontend may see so far: earlier bundles as named contexts. */
export interface Progress {
  dockerfile: DockerfileSource;
  overrides: Overrides;
}

export interface Bundle {
  def: Definition;
  /** The ENV the bundle carries (--env=inherit), if any. */
  env?: string[];
}

export async function dispatchBundle(ctx: BundleContext, ins: Instruction, progress: Progress): Promise<Bundle> {
  const { gw, df } = ctx;
  const spec = parseBundle(df, ins);
  const src = await solveSource({ ...progress, gw, opts: ctx.opts, df, ins, from: spec.from, platform: ctx.platform });
  const location = new SourceMap(df.filename, df.data).lines(ins.startLine, ins.endLine);
  const steps = new Steps(spec.traces.length + 1 + spec.tests.length, { location, ignoreCache: ignoresCache(ctx.opts, stageName(df, ins.stage)) });
  const logs = await Promise.all(spec.traces.map((cmd) => trace(ctx, src, spec, steps.next(`trace: ${cmd.text}`), cmd)));
  const events = logs.flatMap((l) => l.events);
  const unavailable = logs.find((l) => l.unavailable)?.unavailable;
  const fs = new RefFS(gw, src.ref);
  await fs.prefetch(tracedPaths(events));
  const plan = await closure(ctx, ins, spec, src, fs, events);
  const files = plan.entries.filter((e) => e.kind === "file");
  const bytes = files.reduce((sum, f) => sum + (f.kind === "file" ? f.size : 0), 0);
  const op = steps.next(`assemble: ${files.length} files, ${megabytes(bytes)}`);
  const bundle = await assembleLayout(ctx, ins, spec, src, fs, plan, op);
  const def = bundle.marshal();
  await gw.solve({ Definition: def, Evaluate: true });
  const untraced = unavailable ? [`tracing is unavailable here (${unavailable}): the bundle holds what static analysis finds; add what the programs load at run time with --include`] : [];
  await warn(ctx, ins, def, [...untraced, ...plan.warnings]);
  const bundled = new Set(plan.entries.map((e) => e.path));
  for (const cmd of spec.tests) {
    const out = testRun(bundle, src, spec, cmd, ctx.platform, steps.next(`test: ${cmd.text}`));
    const failure = testFailure(cmd, spec, await readOutcome(gw, out, fs, bundled, payloadRoot(spec)));
    if (failure) throw errorAt(df, ins, `BUNDLE: ${failure}`);
  }
  return { def, env: spec.env === "inherit" && src.config.Env?.length ? src.config.Env : undefined };
}

async function assembleLayout(ctx: BundleContext, ins: Instruction, spec: BundleSpec, src: Source, fs: RefFS, plan: Plan, op: OpOptions): Promise<State> {
  const digests = await fileDigests(fs, plan.entries.flatMap((e) => (e.kind === "file" ? [e.path] : [])));
  const text = manifest(plan, digests, { source: spec.from, entries: spec.entries });
  if (spec.layout === "rootfs") {
    const installTo = spec.installTo ? { dir: spec.installTo, entries: entryPaths(plan) } : undefined;
    return assemble(src.state, plan, { manifest: text, mkdir: spec.mkdir, installTo, timestamp: ctx.timestamp }, op);
  }
  const launches = await launchSpecs(ctx, ins, spec, src, fs, plan);
  return assemblePortable(src.state, plan, { manifest: text, digests, launches, mkdir: spec.mkdir, prefix: spec.prefix, timestamp: ctx.timestamp, platform: ctx.platform }, op);
}

/** One launcher per entry, named after it; the loader ignores library paths for setuid programs. */
async function launchSpecs(ctx: BundleContext, ins: Instruction, spec: BundleSpec, src: Source, fs: RefFS, plan: Plan): Promise<Map<string, LaunchSpec>> {
  const launches = new Map<string, LaunchSpec>();
  const modes = new Map(plan.entries.map((e) => [e.path, e.kind === "symlink" ? 0 : e.mode]));
  for (const entry of spec.entries) {
    const name = basename(entry);
    if (launches.has(name)) throw errorAt(ctx.df, ins, `BUNDLE: two entries are named ${name}; a portable bundle has one bin/${name}`);
    const launch = await launchSpec(fs, entry, envRecord(src.config.Env)).catch((err: Error) => {
      throw errorAt(ctx.df, ins, `BUNDLE: ${err.message}`);
    });
    if ((modes.get(launch.program) ?? 0) & 0o6000) {
      throw errorAt(ctx.df, ins, `BUNDLE: ${entry} is setuid/setgid: the loader ignores library paths in secure mode, so it cannot run from a portable bundle`);
    }
    launches.set(name, launch);
  }
  return launches;
}

const NOT_IN_SOURCE = ["/proc", "/sys", "/dev", ...OWN_DIRS];

/** Paths the trace found in the source: what the closure computation will look at. */
function tracedPaths(events: TraceEvent[]): string[] {
  return events.flatMap((e) => ((e.type === "file" || e.type === "exec") && e.result >= 0 && e.abs && !isUnder(e.abs, NOT_IN_SOURCE) ? [e.abs] : []));
}

interface TraceLog {
  events: TraceEvent[];
  /** Why the command could not be traced (ptrace unavailable: QEMU emulation, Yama scope 3). */
  unavailable?: string;
}

async function trace(ctx: BundleContext, src: Source, spec: BundleSpec, op: OpOptions, cmd: Command): Promise<TraceLog> {
  const log = traceRun(src, spec, cmd, ctx.platform, op);
  const result = await ctx.gw.solve({ Definition: log.marshal() });
  const text = Buffer.from(await new RefFS(ctx.gw, result.ref?.id ?? "").readFile(`/${TRACE_LOG}`)).toString("utf8");
  const unavailable = text.split("\n").find((line) => line.includes('"type":"unavailable"'));
  if (!unavailable) return { events: parseTrace(text) };
  const { call, error, reason } = JSON.parse(unavailable) as Record<string, string>;
  return { events: [], unavailable: `${call}: ${error}: ${reason}` };
}

async function closure(ctx: BundleContext, ins: Instruction, spec: BundleSpec, src: Source, fs: RefFS, trace: TraceEvent[]): Promise<Plan> {
  try {
    const plan = await computeClosure(fs, {
      entries: spec.entries,
      env: envRecord(src.config.Env),
      trace,
      include: spec.include,
      exclude: spec.exclude,
      allowGpuLibs: spec.allowGpuLibs,
      ignore: OWN_DIRS,
    });
    for (const e of plan.entries) {
      if (e.kind === "file" && e.reasons.includes("entry") && !(e.mode & 0o111)) throw new Error(`entry ${e.path} is not executable`);
    }
    const unresolved = plan.warnings.filter((w) => /not found|unresolved/i.test(w));
    if (spec.strict && unresolved.length) throw new Error(`--strict: ${unresolved.join("; ")}`);
    return plan;
  } catch (err) {
    throw errorAt(ctx.df, ins, `BUNDLE: ${(err as Error).message}`);
  }
}

/** Warnings are attached to the assemble vertex, which the client has just seen. */
async function warn(ctx: BundleContext, ins: Instruction, def: Definition, warnings: string[]): Promise<void> {
  const { digest } = definitionResult(def);
  for (const short of warnings) {
    await ctx.gw.warn({
      digest,
      short: `BUNDLE: ${short}`,
      info: { filename: ctx.df.filename, data: ctx.df.data, language: "Dockerfile" },
      ranges: [{ start: { line: ins.startLine }, end: { line: ins.endLine } }],
    });
  }
}

function entryPaths(plan: Plan): string[] {
  return plan.entries.filter((e) => e.kind === "file" && e.reasons.includes("entry")).map((e) => e.path);
}

/** A stage's name as --no-cache-filter knows it: unnamed stages are stage-<index>. */
function stageName(df: Dockerfile, index: number): string {
  return df.stages[index]?.name ?? `stage-${index}`;
}

/** `--no-cache` (every stage) or `--no-cache-filter` naming the BUNDLE's stage re-runs its ops. */
function ignoresCache(opts: FrontendOptions, stage: string): boolean {
  const value = opts["no-cache"];
  return value === "" || (value !== undefined && value.split(",").includes(stage));
}

/** Progress names `[sidebundle k/n] …`, every op located at the BUNDLE's lines. */
class Steps {
  private done = 0;
  constructor(
    private readonly total: number,
    private readonly common: OpOptions,
  ) {}

  next(what: string): OpOptions {
    return { ...this.common, customName: `[sidebundle ${++this.done}/${this.total}] ${what}` };
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
