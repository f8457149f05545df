// A Dockerfile with BUNDLE instructions: each BUNDLE of a stage the target needs becomes a named
// context holding its bundle, its line a COPY from that context, and the whole file goes to
// dockerfile.v0 once more. BUNDLEs that do not need each other's stages are solved concurrently,
// as are the platforms of a multi-platform build.
import type { Definition } from "../../llb/index.js";
import { duration } from "../dockerfile/bundle-spec.js";
import { forwardToDockerfileFrontend, type Overrides } from "../dockerfile/forward.js";
import { errorAt, type Dockerfile, type Instruction, type Stage } from "../dockerfile/parse.js";
import type { DockerfileSource } from "../dockerfile/read.js";
import { rewriteBundles } from "../dockerfile/rewrite.js";
import type { Gateway } from "../gateway/client.js";
import { FrontendError } from "../gateway/errors.js";
import type { FrontendOptions } from "../gateway/options.js";
import type { Result } from "../gateway/types.js";
import { MINIMIZE_ARG, type MinimizeArgs } from "../minimize/args.js";
import { minimizeStage } from "../minimize/minimize.js";
import { imageConfig } from "./image-config.js";
import { DEFAULT_LIMIT_MS, sourceDateEpoch } from "./layout-inputs.js";
import { dispatchBundle, type Bundle, type BundleContext, type Progress } from "./dispatch.js";
import { platformId, stagePlatforms, targetPlatforms, unique, workerPlatform } from "./platform.js";
import { neededBundles, imageStages, reachableStages, stageStart, targetStage, type NeededBundle } from "./stages.js";
import { attachSboms, platformIds, sbomRequested, withoutSbomOptions } from "../sbom/attest.js";
import { spdxDocument } from "../sbom/spdx.js";

interface Built {
  needed: NeededBundle;
  name: string;
  bundle: Bundle;
}

/**
 * Builds the Dockerfile's BUNDLEs, then the target: through dockerfile.v0, or minimized when
 * `minimize` is given (--build-arg SIDEBUNDLE_MINIMIZE=1).
 */
export async function buildWithBundles(gw: Gateway, received: FrontendOptions, source: DockerfileSource, df: Dockerfile, minimize?: MinimizeArgs): Promise<Result> {
  // The frontend writes the SBOM itself: dockerfile.v0, building the stages, is not asked to scan.
  const sbom = sbomRequested(received);
  const opts = withoutSbomOptions(received);
  // Everything that can fail without building fails before any BUNDLE runs.
  const target = targetStage(df, opts.target);
  const bundles = neededBundles(df, target);
  const sourceDateEpoch = epoch(opts);
  const first = bundles[0]?.ins ?? (minimize && target ? stageStart(df, target) : undefined);
  // Named contexts (context:<name>=input:<key>) arrived with BuildKit 0.10, as did Warn and the
  // frontend's own image that the resolve step runs in.
  if (first && !(await gw.hasCapID("FrontendAPICaps", "gateway.warnings"))) {
    throw errorAt(df, first, `${bundles.length ? "BUNDLE" : MINIMIZE_ARG} needs BuildKit 0.10 or later (Docker 23.0 or later): this engine has no named build contexts`);
  }
  const limit = first ? commandLimit(df, first, opts) : DEFAULT_LIMIT_MS;
  const pong = await gw.ping();
  const platforms = targetPlatforms(opts.platform, pong);
  if (platforms.length === 1) {
    const ctx: BundleContext = { gw, opts, df, platform: platforms[0], epoch: sourceDateEpoch, limit };
    const built = await buildAll(ctx, source, bundles);
    const final = progress(ctx, source, built);
    if (minimize) {
      if (!target) throw new FrontendError(`${MINIMIZE_ARG}: the Dockerfile has no stage to minimize`);
      const min = await minimizeStage(ctx, final, target, minimize);
      return sbom ? attachSboms(gw, min.result, sbomDocuments([{ ctx, bundles: [min.bundle] }])) : min.result;
    }
    const result = await forwardToDockerfileFrontend(gw, opts, final.dockerfile, final.overrides);
    if (!sbom) return result;
    // A result of one ref names no platform: the document goes under the build's own.
    const ids = platformIds(result);
    return attachSboms(gw, result, sbomDocuments((ids.length ? ids : [platformId(ctx.platform)]).map((id) => ({ ctx, id, bundles: inImage(df, target, built) }))));
  }
  if (minimize) throw new FrontendError(`${MINIMIZE_ARG} minimizes one platform at a time; run one build per platform instead of --platform=${opts.platform}`);
  // Each platform's BUNDLEs are built (sources solved, traced, tested) as a build for it alone
  // would; dockerfile.v0 then builds every platform, each taking its own bundles as named
  // contexts (context:<name>::<platform>), and returns one result per platform.
  // A BUNDLE's stage with FROM --platform=<p> takes p's bundle: p is built too.
  const all = unique([...platforms, ...stagePlatforms(df, bundles.map((b) => b.ins.stage), workerPlatform(pong))]);
  const each = all.map((platform) => {
    const id = platformId(platform);
    const ctx: BundleContext = { gw, opts: { ...opts, platform: id }, df, platform, epoch: sourceDateEpoch, limit, label: id };
    return { ctx, built: buildAll(ctx, source, bundles).catch((err: unknown) => Promise.reject(onPlatform(id, err))) };
  });
  const built = await settleAll(each.map((e) => e.built));
  const final = progressPerPlatform(source, each.map((e, i) => ({ ctx: e.ctx, built: built[i] })));
  const result = await forwardToDockerfileFrontend(gw, opts, final.dockerfile, final.overrides);
  if (!sbom) return result;
  const requested = new Set(platformIds(result));
  const docs = each.flatMap((e, i) => (requested.has(platformId(e.ctx.platform)) ? [{ ctx: e.ctx, bundles: inImage(df, target, built[i]) }] : []));
  return attachSboms(gw, result, sbomDocuments(docs));
}

/**
 * The bundles the image holds as they are: those of the target stage and the stages it is built
 * FROM (a bundle copied elsewhere with COPY --from is the Dockerfile's, not listed).
 */
function inImage(df: Dockerfile, target: Stage | undefined, built: readonly Built[]): Bundle[] {
  const stages = imageStages(df, target);
  return built.filter((b) => stages.has(b.needed.ins.stage)).map((b) => b.bundle);
}

/** One SPDX document per platform id (the ctx's platform unless given). */
function sbomDocuments(each: { ctx: BundleContext; id?: string; bundles: Bundle[] }[]): Map<string, object> {
  return new Map(
    each.map(({ ctx, id = platformId(ctx.platform), bundles }) => {
      const created = ctx.epoch === undefined ? 0 : Number(ctx.epoch / 1_000_000_000n);
      return [id, spdxDocument(bundles.map((b) => b.sbom), { name: `${ctx.df.filename} (${id})`, created })];
    }),
  );
}

/** Our own error, naming the platform it happened on; BuildKit's name their vertex already. */
function onPlatform(id: string, err: unknown): unknown {
  return err instanceof FrontendError ? new FrontendError(`${id}: ${err.message}`, err.source) : err;
}

/** Builds the needed BUNDLEs for ctx's platform, each once the BUNDLEs its source needs are built. */
async function buildAll(ctx: BundleContext, source: DockerfileSource, bundles: NeededBundle[]): Promise<Built[]> {
  const runs = new Map<Instruction, Promise<Built>>();
  for (const [n, needed] of bundles.entries()) {
    const deps = dependencies(ctx.df, bundles, needed);
    runs.set(
      needed.ins,
      Promise.all(deps.map((d) => runs.get(d.ins)!)).then(async (built) => {
        const bundle = await dispatchBundle(ctx, needed.ins, needed.spec, progress(ctx, source, built));
        return { needed, name: `sidebundle-bundle-${n + 1}`, bundle };
      }),
    );
  }
  // The first failure in file order is the one reported.
  return settleAll(runs.values());
}

/** Every run ends before the build does; the first failure in order is the one thrown. */
async function settleAll<T>(runs: Iterable<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(runs);
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/** The BUNDLEs in the stages this BUNDLE's source stage needs. */
function dependencies(df: Dockerfile, bundles: NeededBundle[], needed: NeededBundle): NeededBundle[] {
  if (!needed.source) return [];
  const stages = reachableStages(df, bundles, needed.source);
  return bundles.filter((b) => b !== needed && stages.has(b.ins.stage));
}

/** What dockerfile.v0 may see once these BUNDLEs are built: the others are blank lines. */
function progress(ctx: BundleContext, source: DockerfileSource, built: readonly Built[]): Progress {
  const overrides = { inputs: {} as Record<string, Definition>, opts: {} as Record<string, string> };
  const replacements = rewrites(ctx.df, built, built);
  for (const b of built) addContext(ctx, b, overrides, b.name, `context:${b.name}`, replacements.get(b.needed.ins) === "");
  return { dockerfile: { ...source, data: rewriteBundles(ctx.df, replacements) }, overrides };
}

/** The final Dockerfile of a multi-platform build: every platform's bundles, keyed by platform. */
function progressPerPlatform(source: DockerfileSource, each: { ctx: BundleContext; built: Built[] }[]): Progress {
  const df = each[0].ctx.df;
  const all = each.flatMap((e) => e.built);
  const overrides = { inputs: {} as Record<string, Definition>, opts: {} as Record<string, string> };
  const replacements = rewrites(df, each[0].built, all);
  for (const { ctx, built } of each) {
    const id = platformId(ctx.platform);
    for (const b of built) {
      const input = `${b.name}-${id.replaceAll("/", "-")}`;
      addContext(ctx, b, overrides, input, `context:${b.name}::${id}`, replacements.get(b.needed.ins) === "");
    }
  }
  return { dockerfile: { ...source, data: rewriteBundles(df, replacements) }, overrides };
}

/**
 * Each built BUNDLE's line: a COPY from its named context, or, when it starts a FROM scratch stage
 * and carries ENV (on any platform, `all`), a blank line with the FROM naming the context instead.
 */
function rewrites(df: Dockerfile, built: readonly Built[], all: readonly Built[]): Map<Instruction, string> {
  const replacements = new Map<Instruction, string>();
  for (const { needed, name } of built) {
    const ins = needed.ins;
    const from = startsStage(df, ins);
    if (from && all.some((b) => b.needed.ins === ins && b.bundle.env)) {
      replacements.set(from, `FROM ${from.args.replace(/(^|\s)scratch(\s|$)/i, `$1${name}$2`)}`);
      replacements.set(ins, "");
    } else {
      replacements.set(ins, `COPY --from=${name} / /`);
    }
  }
  return replacements;
}

/** The named context carrying one bundle; a stage that starts from it gets the source's ENV. */
function addContext(ctx: BundleContext, b: Built, overrides: Required<Overrides>, input: string, key: string, startsFrom: boolean): void {
  overrides.inputs[input] = b.bundle.def;
  overrides.opts[key] = `input:${input}`;
  if (!startsFrom) return;
  // The stage starts from the bundle, whose image config carries the source's ENV.
  const config = imageConfig(ctx, `BUNDLE ${b.needed.ins.args}`, { Env: b.bundle.env ?? [] });
  overrides.opts[`input-metadata:${input}`] = JSON.stringify({ "containerimage.config": config.toString("base64") });
}

/** The FROM scratch line of the BUNDLE's stage when the BUNDLE is that stage's first instruction. */
function startsStage(df: Dockerfile, ins: Instruction): Instruction | undefined {
  const at = df.instructions.indexOf(ins);
  const from = df.instructions[at - 1];
  if (from?.keyword !== "FROM" || from.stage !== ins.stage) return undefined;
  return df.stages[ins.stage].base.toLowerCase() === "scratch" ? from : undefined;
}

const LIMIT_ARG = "SIDEBUNDLE_TIMEOUT";

/** The default limit, or `--build-arg SIDEBUNDLE_TIMEOUT=<duration>`. */
function commandLimit(df: Dockerfile, first: Instruction, opts: FrontendOptions): number {
  const value = opts[`build-arg:${LIMIT_ARG}`];
  if (value === undefined) return DEFAULT_LIMIT_MS;
  try {
    return duration(value, LIMIT_ARG);
  } catch (err) {
    throw errorAt(df, first, `BUNDLE: ${(err as Error).message}`);
  }
}

/**
 * SOURCE_DATE_EPOCH in nanoseconds, when it is given; a value the builtin frontend would fail on
 * is an error now.
 */
function epoch(opts: FrontendOptions): bigint | undefined {
  try {
    return sourceDateEpoch(opts["build-arg:SOURCE_DATE_EPOCH"]);
  } catch (err) {
    throw new FrontendError((err as Error).message);
  }
}
