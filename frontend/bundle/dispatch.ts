// One BUNDLE instruction, end to end: solve the source, trace, compute the closure, assemble.
// Every op carries the BUNDLE's lines, so a failure in any of them shows the user's line.
import { basename } from "node:path";
import { definitionResult, SourceMap, type Definition, type OpOptions, type Platform, type State } from "../../llb/index.js";
import type { Plan } from "../closure/index.js";
import { parseBundle, type BundleSpec, type Command } from "../dockerfile/bundle-spec.js";
import type { Overrides } from "../dockerfile/forward.js";
import { errorAt, type Dockerfile, type Instruction } from "../dockerfile/parse.js";
import type { DockerfileSource } from "../dockerfile/read.js";
import { assemble } from "../assemble/assemble.js";
import { manifest } from "../assemble/manifest.js";
import { assemblePortable } from "../assemble/portable.js";
import type { Gateway } from "../gateway/client.js";
import type { FrontendOptions } from "../gateway/options.js";
import { frontendImage } from "../gateway/metadata.js";
import { readResolution, resolveRun } from "../resolve/resolve-run.js";
import type { Resolved } from "../resolve/resolution.js";
import { RefFS } from "../source/ref-fs.js";
import { envRecord, solveSource, type Source } from "../source/source.js";
import { numericUser } from "../source/user.js";
import { OWN_DIRS } from "../trace/tools.js";
import { traceRun } from "../trace/trace-run.js";
import { failureReport, missingFiles, passed, payloadRoot, readOutcome, testRun } from "../verify/test-run.js";

export interface BundleContext {
  gw: Gateway;
  opts: FrontendOptions;
  df: Dockerfile;
  platform: Platform;
  /** SOURCE_DATE_EPOCH in nanoseconds, when it is given. */
  epoch?: bigint;
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
  const launchNames = spec.layout === "portable" ? launcherNames(df, ins, spec) : undefined;
  const src = await solveSource({ ...progress, gw, opts: ctx.opts, df, ins, from: spec.from, platform: ctx.platform });
  const location = new SourceMap(df.filename, df.data).lines(ins.startLine, ins.endLine);
  const steps = new Steps(spec.traces.length + 2 + spec.tests.length, { location, ignoreCache: ignoresCache(ctx.opts, stageName(df, ins.stage)) });
  const traces = spec.traces.map((cmd) => traceRun(src, spec, cmd, ctx.platform, steps.next(`trace: ${cmd.text}`)));
  const image = await frontendImage().catch((err: Error) => {
    throw errorAt(ctx.df, ins, err.message);
  });
  const resolved = await resolve(ctx, ins, spec, src, image, traces, steps.next("resolve closure"));
  const files = resolved.plan.entries.filter((e) => e.kind === "file");
  const bytes = files.reduce((sum, f) => sum + (f.kind === "file" ? f.size : 0), 0);
  const op = steps.next(`assemble: ${files.length} files, ${megabytes(bytes)}`);
  const bundle = assembleLayout(ctx, spec, src, image, resolved, launchNames, op);
  const def = bundle.marshal();
  await gw.solve({ Definition: def, Evaluate: true });
  const untraced = resolved.untraced ? [`tracing is unavailable here (${resolved.untraced}): the bundle holds what static analysis finds; add what the programs load at run time with --include`] : [];
  await warn(ctx, ins, def, [...untraced, ...resolved.plan.warnings]);
  const user = spec.tests.length ? await testUser(ctx, ins, src) : undefined;
  for (const cmd of spec.tests) await test(ctx, ins, spec, src, bundle, resolved, cmd, user, steps.next(`test: ${cmd.text}`));
  return { def, env: spec.env === "inherit" && src.config.Env?.length ? src.config.Env : undefined };
}

/** Runs one --test in the bundle; a failure names what the bundle lacks that the source has. */
async function test(ctx: BundleContext, ins: Instruction, spec: BundleSpec, src: Source, bundle: State, resolved: Resolved, cmd: Command, user: string | undefined, op: OpOptions): Promise<void> {
  const outcome = await readOutcome(ctx.gw, testRun(bundle, src, spec, cmd, user, ctx.platform, op));
  if (passed(spec, outcome)) return;
  const bundled = new Set(resolved.plan.entries.map((e) => e.path));
  const missing = await missingFiles(outcome, new RefFS(ctx.gw, src.ref), bundled, payloadRoot(spec));
  throw errorAt(ctx.df, ins, `BUNDLE: ${failureReport(cmd, spec, outcome, missing)}`);
}

/** The stage's USER as `uid:gid`, resolved in the source (the bundle may have no /etc/passwd). */
async function testUser(ctx: BundleContext, ins: Instruction, src: Source): Promise<string | undefined> {
  if (!src.config.User) return undefined;
  const user = await numericUser(new RefFS(ctx.gw, src.ref), src.config.User).catch((err: Error) => {
    throw errorAt(ctx.df, ins, `BUNDLE: --test: ${err.message}`);
  });
  return `${user.uid}:${user.gid}`;
}

/** Each entry's launcher is bin/<its name>, so no two entries may share one. */
function launcherNames(df: Dockerfile, ins: Instruction, spec: BundleSpec): Map<string, string> {
  const names = new Map<string, string>();
  for (const entry of spec.entries) {
    const name = basename(entry);
    if ([...names.values()].includes(name)) throw errorAt(df, ins, `BUNDLE: two entries are named ${name}; a portable bundle has one bin/${name}`);
    names.set(entry, name);
  }
  return names;
}

async function resolve(ctx: BundleContext, ins: Instruction, spec: BundleSpec, src: Source, image: State, traces: State[], op: OpOptions): Promise<Resolved> {
  const request = {
    entries: spec.entries,
    env: envRecord(src.config.Env),
    include: spec.include,
    exclude: spec.exclude,
    allowGpuLibs: spec.allowGpuLibs,
    strict: spec.strict,
    ignore: OWN_DIRS,
    launchers: spec.layout === "portable",
  };
  const resolution = await readResolution(ctx.gw, resolveRun({ image, source: src.state, traces, request }, op));
  if ("error" in resolution) throw errorAt(ctx.df, ins, `BUNDLE: ${resolution.error}`);
  return resolution;
}

function assembleLayout(ctx: BundleContext, spec: BundleSpec, src: Source, image: State, resolved: Resolved, launchNames: Map<string, string> | undefined, op: OpOptions): State {
  const { plan } = resolved;
  // What the bundle adds is dated SOURCE_DATE_EPOCH (else 0); nothing is later than it.
  const times = { own: ctx.epoch ?? 0n, clamp: ctx.epoch };
  const digests = new Map(Object.entries(resolved.digests));
  const sourceDateEpoch = ctx.epoch === undefined ? undefined : Number(ctx.epoch / 1_000_000_000n);
  const text = manifest(plan, digests, { source: spec.from, entries: spec.entries, sourceDateEpoch });
  if (!launchNames) {
    const installTo = spec.installTo ? { dir: spec.installTo, entries: entryPaths(plan) } : undefined;
    return assemble(src.state, plan, { manifest: text, mkdir: spec.mkdir, installTo, times, image }, op);
  }
  const launches = new Map(Object.entries(resolved.launches ?? {}).map(([entry, launch]) => [launchNames.get(entry)!, launch]));
  const options = { manifest: text, digests, launches, mkdir: spec.mkdir, prefix: spec.prefix, times, image, platform: ctx.platform };
  return assemblePortable(src.state, plan, options, op);
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
