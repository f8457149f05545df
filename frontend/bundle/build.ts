// A Dockerfile with BUNDLE instructions: each becomes a named context holding its bundle, its
// line a COPY from that context, and the whole file goes to dockerfile.v0 once more.
import type { Definition } from "../../llb/index.js";
import { forwardToDockerfileFrontend } from "../dockerfile/forward.js";
import { errorAt, type Dockerfile, type Instruction } from "../dockerfile/parse.js";
import type { DockerfileSource } from "../dockerfile/read.js";
import { rewriteBundles } from "../dockerfile/rewrite.js";
import type { Gateway } from "../gateway/client.js";
import type { FrontendOptions } from "../gateway/options.js";
import type { Result } from "../gateway/types.js";
import { dispatchBundle, type BundleContext, type Progress } from "./dispatch.js";
import { targetPlatform } from "./platform.js";

export async function buildWithBundles(gw: Gateway, opts: FrontendOptions, source: DockerfileSource, df: Dockerfile): Promise<Result> {
  const bundles = bundlesFor(df, opts.target);
  // Named contexts (context:<name>=input:<key>) arrived with BuildKit 0.10, as did Warn.
  if (bundles.length && !(await gw.hasCapID("FrontendAPICaps", "gateway.warnings"))) {
    throw errorAt(df, bundles[0], "BUNDLE needs BuildKit 0.10 or later (Docker 23.0 or later): this engine has no named build contexts");
  }
  const ctx: BundleContext = { gw, opts, df, platform: targetPlatform(opts.platform, await gw.ping()), epoch: epoch(opts) };
  const replacements = new Map<Instruction, string>();
  const inputs: Record<string, Definition> = {};
  const contextOpts: Record<string, string> = {};
  const progress = (): Progress => ({
    dockerfile: { ...source, data: rewriteBundles(df, replacements) },
    overrides: { inputs: { ...inputs }, opts: { ...contextOpts } },
  });
  for (const [n, ins] of bundles.entries()) {
    const name = `sidebundle-bundle-${n + 1}`;
    const bundle = await dispatchBundle(ctx, ins, progress());
    inputs[name] = bundle.def;
    contextOpts[`context:${name}`] = `input:${name}`;
    const from = startsStage(df, ins);
    if (from && bundle.env) {
      // The stage starts from the bundle, whose image config carries the source's ENV.
      contextOpts[`input-metadata:${name}`] = JSON.stringify({ "containerimage.config": imageConfig(ctx, ins, bundle.env) });
      replacements.set(from, `FROM ${from.args.replace(/(^|\s)scratch(\s|$)/i, `$1${name}$2`)}`);
      replacements.set(ins, "");
    } else {
      replacements.set(ins, `COPY --from=${name} / /`);
    }
  }
  const final = progress();
  return forwardToDockerfileFrontend(gw, opts, final.dockerfile, final.overrides);
}

/** BUNDLEs in the stages up to the target (all when there is none); later ones are blanked. */
function bundlesFor(df: Dockerfile, target: string | undefined): Instruction[] {
  const stage = target ? df.stages.find((s) => s.name === target.toLowerCase()) : undefined;
  const last = stage ? stage.index : Infinity;
  return df.instructions.filter((i) => i.keyword === "BUNDLE" && i.stage <= last);
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

/** SOURCE_DATE_EPOCH in nanoseconds, when it is given (as a number of seconds). */
function epoch(opts: FrontendOptions): bigint | undefined {
  const value = opts["build-arg:SOURCE_DATE_EPOCH"];
  return value && /^\d+$/.test(value) ? BigInt(value) * 1_000_000_000n : undefined;
}
