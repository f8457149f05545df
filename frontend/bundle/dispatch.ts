// One BUNDLE instruction, end to end: solve the source, trace, compute the closure, assemble.
// Every op carries the BUNDLE's lines, so a failure in any of them shows the user's line.
import { basename, posix } from "node:path";
import { definitionResult, SourceMap, type Definition, type OpOptions, type Platform, type State } from "../../llb/index.js";
import { describeWarning, type Plan } from "../closure/index.js";
import { formatDuration, type BundleSpec, type Command } from "../dockerfile/bundle-spec.js";
import type { Overrides } from "../dockerfile/forward.js";
import { errorAt, type Dockerfile, type Instruction } from "../dockerfile/parse.js";
import type { DockerfileSource } from "../dockerfile/read.js";
import { assemble } from "../assemble/assemble.js";
import { fileInTheWay } from "../assemble/dirs.js";
import { manifest } from "../assemble/manifest.js";
import { packageMetadataFiles, type MetadataFile } from "../assemble/package-metadata.js";
import { assemblePortable } from "../assemble/portable.js";
import type { Gateway } from "../gateway/client.js";
import type { FrontendOptions } from "../gateway/options.js";
import { frontendImage } from "../gateway/metadata.js";
import { readResolution, resolveRun } from "../resolve/resolve-run.js";
import type { Resolved, TraceFailure } from "../resolve/resolution.js";
import type { SbomBundle } from "../sbom/spdx.js";
import { RefFS } from "../source/ref-fs.js";
import { envRecord, solveSource, type Source } from "../source/source.js";
import { numericUser } from "../source/user.js";
import { OWN_DIRS, RESULT_DIR, STDERR_TAIL } from "../trace/tools.js";
import { traceRun } from "../trace/trace-run.js";
import { ending, failureReport, missingFiles, passed, payloadRoot, readOutcome, testRun } from "../verify/test-run.js";

export interface BundleContext {
  gw: Gateway;
  opts: FrontendOptions;
  df: Dockerfile;
  platform: Platform;
  /** SOURCE_DATE_EPOCH in nanoseconds, when it is given. */
  epoch?: bigint;
  /** Milliseconds a --trace (without --trace-timeout) or a --test may run. */
  limit: number;
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
  /** What its SBOM says: the files, their digests and packages. */
  sbom: SbomBundle;
}

export async function dispatchBundle(ctx: BundleContext, ins: Instruction, spec: BundleSpec, progress: Progress): Promise<Bundle> {
  const { gw, df } = ctx;
  const launchNames = spec.layout === "portable" ? launcherNames(df, ins, spec) : undefined;
  const src = await solveSource({ ...progress, gw, opts: ctx.opts, df, ins, from: spec.from, platform: ctx.platform });
  const location = new SourceMap(df.filename, df.data).lines(ins.startLine, ins.endLine);
  const steps = new Steps(spec.traces.length + 2 + spec.tests.length, { location, ignoreCache: ignoresCache(ctx.opts, stageName(df, ins.stage)) });
  const traces = spec.traces.map((cmd) => traceRun(src, spec, cmd, ctx.limit, ctx.platform, steps.next(`trace: ${cmd.text}`)));
  const image = await frontendImage().catch((err: Error) => {
    throw errorAt(ctx.df, ins, err.message);
  });
  const resolved = await resolve(ctx, ins, spec, src, image, traces, steps.next("resolve closure"));
  checkDirs(ctx, ins, spec, resolved.plan);
  const files = resolved.plan.entries.filter((e) => e.kind === "file");
  const bytes = files.reduce((sum, f) => sum + (f.kind === "file" ? f.size : 0), 0);
  const op = steps.next(`assemble: ${files.length} files, ${megabytes(bytes)}`);
  const bundle = assembleLayout(ctx, spec, src, image, resolved, launchNames, op);
  const def = bundle.marshal();
  await gw.solve({ Definition: def, Evaluate: true });
  const untraced = resolved.untraced ? [`tracing is unavailable here (${resolved.untraced}): the bundle holds what static analysis finds; add what the programs load at run time with --include`] : [];
  await warn(ctx, ins, def, [...untraced, ...resolved.plan.warnings.map(describeWarning)]);
  const user = spec.tests.length ? await testUser(ctx, ins, src) : undefined;
  for (const cmd of spec.tests) await test(ctx, ins, spec, src, bundle, resolved, cmd, user, steps.next(`test: ${cmd.text}`));
  const root = spec.layout === "portable" ? posix.join(spec.prefix, "payload") : "";
  const added = metadataFiles(spec, resolved).map(({ path, sha256 }) => ({ path, sha256 }));
  const sbom = { plan: resolved.plan, digests: resolved.digests, packages: resolved.packages, added, root };
  return { def, env: spec.env === "inherit" && src.config.Env?.length ? src.config.Env : undefined, sbom };
}

/** Runs one --test in the bundle; a failure names what the bundle lacks that the source has. */
async function test(ctx: BundleContext, ins: Instruction, spec: BundleSpec, src: Source, bundle: State, resolved: Resolved, cmd: Command, user: string | undefined, op: OpOptions): Promise<void> {
  const limit = spec.testTimeout ?? ctx.limit;
  const run = (traced: boolean, o: OpOptions) => readOutcome(ctx.gw, testRun(bundle, src, spec, cmd, { limit, traced, user }, ctx.platform, o));
  let outcome = await run(true, op);
  // Where ptrace is denied the command did not run: it runs again, untraced.
  if (outcome.untraced) outcome = { ...(await run(false, { ...op, customName: `${op.customName} (untraced)` })), untraced: outcome.untraced };
  if (passed(spec, outcome)) return;
  const bundled = new Set(resolved.plan.entries.map((e) => e.path));
  const missing = await missingFiles(outcome, new RefFS(ctx.gw, src.ref), bundled, payloadRoot(spec));
  throw errorAt(ctx.df, ins, `BUNDLE: ${failureReport(cmd, spec, outcome, missing, limit)}`);
}

/** The directories --mkdir and --install-to make must not be files of the bundle. */
function checkDirs(ctx: BundleContext, ins: Instruction, spec: BundleSpec, plan: Plan): void {
  const dirs = [...spec.mkdir.map((d) => ({ flag: "--mkdir", dir: d.path })), ...(spec.installTo ? [{ flag: "--install-to", dir: spec.installTo }] : [])];
  for (const { flag, dir } of dirs) {
    const file = fileInTheWay(plan, dir);
    if (file) throw errorAt(ctx.df, ins, `BUNDLE: ${flag}=${dir}: ${file} is a file of the bundle, not a directory`);
  }
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
    skipRules: spec.skipRules,
    strict: spec.strict,
    ignore: OWN_DIRS,
    launchers: spec.layout === "portable",
    baseDirs: spec.layout !== "portable",
    traceTimeoutKeeps: spec.traceTimeout !== undefined,
    packageMetadata: spec.packageMetadata !== "none",
  };
  const resolution = await readResolution(ctx.gw, resolveRun({ image, source: src.state, traces, request }, op));
  if ("error" in resolution) throw errorAt(ctx.df, ins, `BUNDLE: ${resolution.error}`);
  if ("traceFailed" in resolution) {
    const f = resolution.traceFailed;
    const stderr = await (await RefFS.solve(ctx.gw, traces[f.trace])).readText(`${RESULT_DIR}/${STDERR_TAIL}`);
    throw errorAt(ctx.df, ins, `BUNDLE: ${traceFailure(spec, f, stderr, ctx.limit)}`);
  }
  return resolution;
}

/** A failed --trace, named by the user's command and quoting the end of its stderr. */
function traceFailure(spec: BundleSpec, f: TraceFailure, stderr: string, limit: number): string {
  const cmd = `--trace "${spec.traces[f.trace].text}"`;
  if (f.timedOut) {
    return `${cmd} did not finish within ${formatDuration(limit)}; a command that runs on (a server) needs --trace-timeout=<duration>, which stops it then and keeps what it touched`;
  }
  return `${cmd} exited with status ${f.status}${stderr ? `; its error output ended with ${JSON.stringify(ending(stderr))}` : ""}`;
}

function assembleLayout(ctx: BundleContext, spec: BundleSpec, src: Source, image: State, resolved: Resolved, launchNames: Map<string, string> | undefined, op: OpOptions): State {
  const { plan } = resolved;
  // What the bundle adds is dated SOURCE_DATE_EPOCH (else 0); nothing is later than it.
  const times = { own: ctx.epoch ?? 0n, clamp: ctx.epoch };
  const digests = new Map(Object.entries(resolved.digests));
  const sourceDateEpoch = ctx.epoch === undefined ? undefined : Number(ctx.epoch / 1_000_000_000n);
  const metadata = metadataFiles(spec, resolved);
  const text = manifest(plan, digests, resolved.packages, metadata, { source: spec.from, entries: spec.entries, sourceDateEpoch });
  if (!launchNames) {
    const installTo = spec.installTo ? { dir: spec.installTo, entries: installed(spec.entries, plan) } : undefined;
    return assemble(src.state, plan, { manifest: text, metadata, mkdir: spec.mkdir, installTo, times, image }, op);
  }
  const launches = new Map(Object.entries(resolved.launches ?? {}).map(([entry, launch]) => [launchNames.get(entry)!, launch]));
  const options = { manifest: text, metadata, digests, launches, mkdir: spec.mkdir, prefix: spec.prefix, times, image, platform: ctx.platform };
  return assemblePortable(src.state, plan, options, op);
}

function metadataFiles(spec: BundleSpec, resolved: Resolved): MetadataFile[] {
  return spec.packageMetadata === "none" ? [] : packageMetadataFiles(resolved.packages);
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

/**
 * --install-to copies each entry under its own name (python3, not the python3.11 it links to),
 * from the path the entry was found at: the plan's first entry path with that name.
 */
function installed(entries: string[], plan: Plan): { name: string; from: string }[] {
  const located = plan.entries.filter((e) => e.kind !== "dir" && e.reasons.some((r) => r.kind === "entry"));
  return entries.map((entry) => {
    const name = basename(entry);
    return { name, from: entry.startsWith("/") ? entry : (located.find((e) => basename(e.path) === name)?.path ?? entry) };
  });
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
