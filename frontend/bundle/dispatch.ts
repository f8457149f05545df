// One BUNDLE instruction, end to end: solve the source, trace, compute the closure, assemble.
// Every op carries the BUNDLE's lines, so a failure in any of them shows the user's line.
import { definitionResult, SourceMap, type Definition, type OpOptions, type Platform, type State } from "../../llb/index.js";
import type { BundleSpec, Command } from "../dockerfile/bundle-spec.js";
import type { Overrides } from "../dockerfile/forward.js";
import { errorAt, type Dockerfile, type Instruction } from "../dockerfile/parse.js";
import type { DockerfileSource } from "../dockerfile/read.js";
import { assemble } from "../assemble/assemble.js";
import { assemblePortable } from "../assemble/portable.js";
import { assembleSingle } from "../assemble/single.js";
import { bundleWarnings, dirsInTheWay, launcherNames, layoutInputs, resolveRequest, traceFailure, type LayoutInputs } from "./layout-inputs.js";
import { compressRequest, compressRun, describeRefusal, readCompression } from "../compress/compress-run.js";
import type { Compression } from "../compress/layout.js";
import type { Gateway } from "../gateway/client.js";
import type { FrontendOptions } from "../gateway/options.js";
import { frontendImage } from "../gateway/metadata.js";
import { readResolution, resolveRun } from "../resolve/resolve-run.js";
import type { Resolved, Size } from "../resolve/resolution.js";
import type { SbomBundle } from "../sbom/spdx.js";
import { RefFS } from "../source/ref-fs.js";
import { platformId } from "./platform.js";
import { envRecord, solveSource, type Source } from "../source/source.js";
import { numericUser } from "../source/user.js";
import { hasTool, LAUNCHER, OWN_DIRS, RESULT_DIR, SINGLE_HEAD, STDERR_TAIL, toolPlatforms } from "../trace/tools.js";
import { traceRun } from "../trace/trace-run.js";
import { failureReport, missingFiles, passed, payloadRoot, readOutcome, testRun } from "../verify/test-run.js";

export interface BundleContext {
  gw: Gateway;
  opts: FrontendOptions;
  df: Dockerfile;
  platform: Platform;
  /** SOURCE_DATE_EPOCH in nanoseconds, when it is given. */
  epoch?: bigint;
  /** Milliseconds a --trace (without --trace-timeout) or a --test may run. */
  limit: number;
  /** In a build for several platforms, this one's id: it names the steps and warnings. */
  label?: string;
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
  /** The bundle's regular files and their bytes. */
  size: Size;
  /** The source's, when asked for. */
  source?: Size;
  /** What its SBOM says: the files, their digests and packages. */
  sbom: SbomBundle;
}

export async function dispatchBundle(ctx: BundleContext, ins: Instruction, spec: BundleSpec, progress: Progress): Promise<Bundle> {
  // Before the source is built: the platform may be one only the bundle's tools lack.
  checkLayout(ctx, ins, "BUNDLE", spec);
  const src = await solveSource({ ...progress, gw: ctx.gw, opts: ctx.opts, df: ctx.df, ins, from: spec.from, platform: ctx.platform });
  return bundleFrom(ctx, ins, spec, src);
}

/** How a bundle is asked for, when not by a BUNDLE line. */
export interface BundleRequest {
  /** What its messages start with: what the user wrote (BUNDLE, a build-arg). */
  who: string;
  /** Measure the whole source too (Bundle.source). */
  measureSource: boolean;
}

/** The BUNDLE over its solved source: trace, resolve, assemble, test (its layout checked by checkLayout). */
export async function bundleFrom(ctx: BundleContext, ins: Instruction, spec: BundleSpec, src: Source, req: BundleRequest = { who: "BUNDLE", measureSource: false }): Promise<Bundle> {
  const { gw, df } = ctx;
  const { who } = req;
  const location = new SourceMap(df.filename, df.data).lines(ins.startLine, ins.endLine);
  const steps = new Steps(ctx.label, spec.traces.length + 2 + (spec.compress ? 1 : 0) + spec.tests.length, { location, ignoreCache: ignoresCache(ctx.opts, stageName(df, ins.stage)) });
  const traces = spec.traces.map((cmd) => traceRun(src, spec, cmd, ctx.limit, ctx.platform, steps.next(`trace: ${cmd.text}`)));
  const image = await frontendImage().catch((err: Error) => {
    throw errorAt(ctx.df, ins, err.message);
  });
  const resolved = await resolve(ctx, ins, who, spec, src, image, traces, req.measureSource, steps.next("resolve closure"));
  const inTheWay = dirsInTheWay(spec, resolved.plan);
  if (inTheWay) throw errorAt(ctx.df, ins, `${who}: ${inTheWay}`);
  const packed = spec.compress ? await compress(ctx, spec, src, image, resolved, steps.next(`compress: ${spec.compress.tool}`)) : undefined;
  const files = resolved.plan.entries.filter((e) => e.kind === "file");
  const bytes = files.reduce((sum, f) => sum + (f.kind === "file" ? f.size : 0), 0);
  const op = steps.next(`assemble: ${files.length} files, ${megabytes(bytes)}`);
  const compressed = packed && spec.compress ? { tool: spec.compress.tool, files: new Map(packed.report.compressed.map((f) => [f.path, f])) } : undefined;
  const inputs = userError(ctx, ins, who, () => layoutInputs(spec, resolved, ctx.epoch, compressed));
  const { output, bundle } = assembleLayout(ctx, spec, packed?.source ?? src.state, image, resolved, inputs, op);
  const def = output.marshal();
  await gw.solve({ Definition: def, Evaluate: true });
  await warn(ctx, ins, who, def, [...bundleWarnings(resolved), ...(packed?.report.refused.map(describeRefusal) ?? [])]);
  const user = spec.tests.length ? await testUser(ctx, ins, who, src) : undefined;
  for (const cmd of spec.tests) await test(ctx, ins, who, spec, src, bundle, resolved, cmd, user, steps.next(`test: ${cmd.text}`));
  const env = spec.env === "inherit" && src.config.Env?.length ? src.config.Env : undefined;
  return { def, env, size: { files: files.length, bytes }, source: resolved.source, sbom: sbomBundle(spec, resolved, inputs, packed?.report) };
}

/** Runs one --test in the bundle; a failure names what the bundle lacks that the source has. */
async function test(ctx: BundleContext, ins: Instruction, who: string, spec: BundleSpec, src: Source, bundle: State, resolved: Resolved, cmd: Command, user: string | undefined, op: OpOptions): Promise<void> {
  const limit = spec.testTimeout ?? ctx.limit;
  const run = (traced: boolean, o: OpOptions) => readOutcome(ctx.gw, testRun(bundle, src, spec, cmd, { limit, traced, user }, ctx.platform, o));
  let outcome = await run(true, op);
  // Where ptrace is denied the command did not run: it runs again, untraced.
  if (outcome.untraced) outcome = { ...(await run(false, { ...op, customName: `${op.customName} (untraced)` })), untraced: outcome.untraced };
  if (passed(spec, outcome)) return;
  const bundled = new Set(resolved.plan.entries.map((e) => e.path));
  const missing = await missingFiles(outcome, new RefFS(ctx.gw, src.ref), bundled, payloadRoot(spec));
  throw errorAt(ctx.df, ins, `${who}: ${failureReport(cmd, spec, outcome, missing, limit)}`);
}

/** The stage's USER as `uid:gid`, resolved in the source (the bundle may have no /etc/passwd). */
async function testUser(ctx: BundleContext, ins: Instruction, who: string, src: Source): Promise<string | undefined> {
  if (!src.config.User) return undefined;
  const user = await numericUser(new RefFS(ctx.gw, src.ref), src.config.User).catch((err: Error) => {
    throw errorAt(ctx.df, ins, `${who}: --test: ${err.message}`);
  });
  return `${user.uid}:${user.gid}`;
}

async function resolve(ctx: BundleContext, ins: Instruction, who: string, spec: BundleSpec, src: Source, image: State, traces: State[], measureSource: boolean, op: OpOptions): Promise<Resolved> {
  const request = { ...resolveRequest(spec, envRecord(src.config.Env), OWN_DIRS), ...(measureSource && { measureSource }) };
  const resolution = await readResolution(ctx.gw, resolveRun({ image, source: src.state, traces, request }, op));
  if ("error" in resolution) throw errorAt(ctx.df, ins, `${who}: ${resolution.error}`);
  if ("traceFailed" in resolution) {
    const f = resolution.traceFailed;
    const stderr = await (await RefFS.solve(ctx.gw, traces[f.trace])).readText(`${RESULT_DIR}/${STDERR_TAIL}`);
    throw errorAt(ctx.df, ins, `${who}: ${traceFailure(spec, f, stderr, ctx.limit)}`);
  }
  return resolution;
}

/**
 * The BUNDLE's result (`output`) and the bundle --test runs in: the same but for a single file,
 * whose tests run in the portable bundle it carries. Files are copied from `from`: the source, or
 * the source packed by --compress.
 */
function assembleLayout(ctx: BundleContext, spec: BundleSpec, from: State, image: State, resolved: Resolved, inputs: LayoutInputs, op: OpOptions): { output: State; bundle: State } {
  const { manifest, times } = inputs;
  if (spec.layout === "rootfs") {
    const bundle = assemble(from, resolved.plan, { manifest, metadata: inputs.metadata, mkdir: spec.mkdir, installTo: inputs.installTo, times, image }, op);
    return { output: bundle, bundle };
  }
  const single = spec.layout === "single-file";
  const options = { manifest, metadata: inputs.metadata, digests: inputs.digests, launches: inputs.launches, mkdir: spec.mkdir, prefix: single ? "/" : spec.prefix, times, image, platform: ctx.platform };
  const bundle = assemblePortable(from, resolved.plan, options, single ? { ...op, customName: `${op.customName} (portable)` } : op);
  if (!single) return { output: bundle, bundle };
  return { output: assembleSingle(bundle, { names: [...launcherNames(spec).values()], prefix: spec.prefix, own: times.own, image, platform: ctx.platform }, op), bundle };
}

/** A portable or single-file layout's launchers: one name each, and the target platform's tools. */
function checkLayout(ctx: BundleContext, ins: Instruction, who: string, spec: BundleSpec): void {
  if (spec.layout === "rootfs") return;
  requireTools(ctx, ins, who, spec.layout === "single-file" ? [LAUNCHER, SINGLE_HEAD] : [LAUNCHER]);
  userError(ctx, ins, who, () => launcherNames(spec));
}

/** The portable launcher (and a single file's head) go into the bundle: they must be the target platform's. */
function requireTools(ctx: BundleContext, ins: Instruction, who: string, tools: string[]): void {
  for (const tool of tools.filter((t) => !hasTool(t, ctx.platform))) {
    const has = toolPlatforms(tool).join(", ") || "none";
    const what = tool === LAUNCHER ? "portable launcher" : "single-file launcher";
    throw errorAt(ctx.df, ins, `${who}: this frontend image has no ${what} for ${platformId(ctx.platform)} (it has: ${has})`);
  }
}

/** A BUNDLE mistake found by a shared helper, at the BUNDLE's line. */
function userError<T>(ctx: BundleContext, ins: Instruction, who: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw errorAt(ctx.df, ins, `${who}: ${(err as Error).message}`);
  }
}

/** --compress: the source with the bundle's executables packed, and what was packed or refused. */
async function compress(ctx: BundleContext, spec: BundleSpec, src: Source, image: State, resolved: Resolved, op: OpOptions): Promise<{ source: State; report: Compression }> {
  const request = compressRequest(resolved.plan, spec.compress!.level);
  const run = compressRun({ image, source: src.state, request }, op);
  return { source: run.source, report: await readCompression(ctx.gw, run.report) };
}

/** What the SBOM lists of this bundle: the files as they are in the image, and the metadata added. */
function sbomBundle(spec: BundleSpec, resolved: Resolved, inputs: LayoutInputs, packed: Compression | undefined): SbomBundle {
  const digests = { ...resolved.digests, ...Object.fromEntries((packed?.compressed ?? []).map((f) => [f.path, f.sha256])) };
  const added = inputs.metadata.map(({ path, sha256 }) => ({ path, sha256 }));
  return { plan: resolved.plan, digests, packages: resolved.packages, added, root: payloadRoot(spec) };
}

/** Warnings are attached to the assemble vertex, which the client has just seen. */
async function warn(ctx: BundleContext, ins: Instruction, who: string, def: Definition, warnings: string[]): Promise<void> {
  const { digest } = definitionResult(def);
  for (const short of warnings) {
    await ctx.gw.warn({
      digest,
      short: `${ctx.label ? `${ctx.label}: ` : ""}${who}: ${short}`,
      info: { filename: ctx.df.filename, data: ctx.df.data, language: "Dockerfile" },
      ranges: [{ start: { line: ins.startLine }, end: { line: ins.endLine } }],
    });
  }
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

/**
 * Progress names `[sidebundle k/n] …` (`[linux/arm64 sidebundle k/n] …` in a build for several
 * platforms, as dockerfile.v0 names its steps), every op located at the BUNDLE's lines.
 */
class Steps {
  private done = 0;
  constructor(
    private readonly label: string | undefined,
    private readonly total: number,
    private readonly common: OpOptions,
  ) {}

  next(what: string): OpOptions {
    const prefix = this.label ? `${this.label} ` : "";
    return { ...this.common, customName: `[${prefix}sidebundle ${++this.done}/${this.total}] ${what}` };
  }
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
