// A Dockerfile with BUNDLE instructions: each BUNDLE of a stage the target needs becomes a named
// context holding its bundle, its line a COPY from that context, and the whole file goes to
// dockerfile.v0 once more. BUNDLEs that do not need each other's stages are solved concurrently.
import type { Definition } from "../../llb/index.js";
import { duration } from "../dockerfile/bundle-spec.js";
import { forwardToDockerfileFrontend } from "../dockerfile/forward.js";
import { errorAt, type Dockerfile, type Instruction } from "../dockerfile/parse.js";
import type { DockerfileSource } from "../dockerfile/read.js";
import { rewriteBundles } from "../dockerfile/rewrite.js";
import type { Gateway } from "../gateway/client.js";
import { FrontendError } from "../gateway/errors.js";
import type { FrontendOptions } from "../gateway/options.js";
import type { Result } from "../gateway/types.js";
import { dispatchBundle, type Bundle, type BundleContext, type Progress } from "./dispatch.js";
import { formatPlatform, targetPlatform } from "./platform.js";
import { neededBundles, imageStages, reachableStages, targetStage, type NeededBundle } from "./stages.js";
import { attachSboms, platformIds, sbomRequested, withoutSbomOptions } from "../sbom/attest.js";
import { spdxDocument } from "../sbom/spdx.js";

interface Built {
  needed: NeededBundle;
  name: string;
  bundle: Bundle;
}

export async function buildWithBundles(gw: Gateway, received: FrontendOptions, source: DockerfileSource, df: Dockerfile): Promise<Result> {
  // The frontend writes the SBOM itself: dockerfile.v0, building the stages, is not asked to scan.
  const sbom = sbomRequested(received);
  const opts = withoutSbomOptions(received);
  // Everything that can fail without building fails before any BUNDLE runs.
  const bundles = neededBundles(df, targetStage(df, opts.target));
  const sourceDateEpoch = epoch(opts);
  // Named contexts (context:<name>=input:<key>) arrived with BuildKit 0.10, as did Warn.
  if (bundles.length && !(await gw.hasCapID("FrontendAPICaps", "gateway.warnings"))) {
    throw errorAt(df, bundles[0].ins, "BUNDLE needs BuildKit 0.10 or later (Docker 23.0 or later): this engine has no named build contexts");
  }
  const limit = bundles.length ? commandLimit(df, bundles[0].ins, opts) : DEFAULT_LIMIT_MS;
  const ctx: BundleContext = { gw, opts, df, platform: targetPlatform(opts.platform, await gw.ping()), epoch: sourceDateEpoch, limit };
  const runs = new Map<Instruction, Promise<Built>>();
  for (const [n, needed] of bundles.entries()) {
    const deps = dependencies(df, bundles, needed);
    runs.set(
      needed.ins,
      Promise.all(deps.map((d) => runs.get(d.ins)!)).then(async (built) => {
        const bundle = await dispatchBundle(ctx, needed.ins, needed.spec, progress(ctx, source, built));
        return { needed, name: `sidebundle-bundle-${n + 1}`, bundle };
      }),
    );
  }
  // Every run ends before the build does; the first failure in file order is the one reported.
  const settled = await Promise.allSettled(runs.values());
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw failed.reason;
  const built = settled.map((s) => (s as PromiseFulfilledResult<Built>).value);
  const final = progress(ctx, source, built);
  const result = await forwardToDockerfileFrontend(gw, opts, final.dockerfile, final.overrides);
  return sbom ? attachSboms(gw, result, sbomDocuments(ctx, df, opts, built, result)) : result;
}

/**
 * One SPDX document per platform of the result, of the bundles the image holds as they are: those
 * of the target stage and the stages it is built FROM. (BUNDLE builds one platform: the result's.)
 */
function sbomDocuments(ctx: BundleContext, df: Dockerfile, opts: FrontendOptions, built: readonly Built[], result: Result): Map<string, object> {
  const stages = imageStages(df, targetStage(df, opts.target));
  const bundles = built.filter((b) => stages.has(b.needed.ins.stage)).map((b) => b.bundle.sbom);
  const created = ctx.epoch === undefined ? 0 : Number(ctx.epoch / 1_000_000_000n);
  const ids = platformIds(result);
  const platforms = ids.length ? ids : [formatPlatform(ctx.platform)];
  return new Map(platforms.map((id) => [id, spdxDocument(bundles, { name: `${ctx.df.filename} (${id})`, created })]));
}

/** The BUNDLEs in the stages this BUNDLE's source stage needs. */
function dependencies(df: Dockerfile, bundles: NeededBundle[], needed: NeededBundle): NeededBundle[] {
  if (!needed.source) return [];
  const stages = reachableStages(df, bundles, needed.source);
  return bundles.filter((b) => b !== needed && stages.has(b.ins.stage));
}

/** What dockerfile.v0 may see once these BUNDLEs are built: the others are blank lines. */
function progress(ctx: BundleContext, source: DockerfileSource, built: readonly Built[]): Progress {
  const replacements = new Map<Instruction, string>();
  const inputs: Record<string, Definition> = {};
  const contextOpts: Record<string, string> = {};
  for (const { needed, name, bundle } of built) {
    const ins = needed.ins;
    inputs[name] = bundle.def;
    contextOpts[`context:${name}`] = `input:${name}`;
    const from = startsStage(ctx.df, ins);
    if (from && bundle.env) {
      // The stage starts from the bundle, whose image config carries the source's ENV.
      contextOpts[`input-metadata:${name}`] = JSON.stringify({ "containerimage.config": imageConfig(ctx, ins, bundle.env) });
      replacements.set(from, `FROM ${from.args.replace(/(^|\s)scratch(\s|$)/i, `$1${name}$2`)}`);
      replacements.set(ins, "");
    } else {
      replacements.set(ins, `COPY --from=${name} / /`);
    }
  }
  return { dockerfile: { ...source, data: rewriteBundles(ctx.df, replacements) }, overrides: { inputs, opts: contextOpts } };
}

/** The FROM scratch line of the BUNDLE's stage when the BUNDLE is that stage's first instruction. */
function startsStage(df: Dockerfile, ins: Instruction): Instruction | undefined {
  const at = df.instructions.indexOf(ins);
  const from = df.instructions[at - 1];
  if (from?.keyword !== "FROM" || from.stage !== ins.stage) return undefined;
  return df.stages[ins.stage].base.toLowerCase() === "scratch" ? from : undefined;
}

/**
 * The config of a stage that starts from a bundle. dockerfile.v0 keeps a named context's times
 * as they are (SOURCE_DATE_EPOCH does not apply to them), and the exporter dates a layer that has
 * no history entry "now"; so both are written here, from SOURCE_DATE_EPOCH when it is set.
 */
function imageConfig(ctx: BundleContext, ins: Instruction, env: string[]): string {
  const p = ctx.platform;
  const created = ctx.epoch !== undefined ? new Date(Number(ctx.epoch / 1_000_000n)).toISOString() : undefined;
  const history = [{ created, created_by: `BUNDLE ${ins.args}`, comment: "sidebundle" }];
  const config = { architecture: p.Architecture, os: p.OS, variant: p.Variant, created, history, config: { Env: env } };
  return Buffer.from(JSON.stringify(config)).toString("base64");
}

/** How long a --trace or --test may run, unless its own flag says otherwise: nothing hangs. */
const DEFAULT_LIMIT_MS = 10 * 60_000;
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

/** The last second an image config's RFC 3339 time can hold (year 9999), as BuildKit's encoder. */
const LAST_EPOCH = 253_402_300_799n;

/**
 * SOURCE_DATE_EPOCH in nanoseconds, when it is given; a value the builtin frontend would fail on
 * is an error now.
 */
function epoch(opts: FrontendOptions): bigint | undefined {
  const value = opts["build-arg:SOURCE_DATE_EPOCH"];
  if (value === undefined || value === "") return undefined;
  if (!/^\d+$/.test(value)) throw new FrontendError(`SOURCE_DATE_EPOCH=${value} is not a number of seconds since 1970`);
  if (BigInt(value) > LAST_EPOCH) throw new FrontendError(`SOURCE_DATE_EPOCH=${value} is after the year 9999, which an image's creation time cannot hold`);
  return BigInt(value) * 1_000_000_000n;
}
