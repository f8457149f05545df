// A Dockerfile with BUNDLE instructions: each becomes a named context holding its bundle, its
// line a COPY from that context, and the whole file goes to dockerfile.v0 once more.
import type { Definition } from "../../llb/index.js";
import { forwardToDockerfileFrontend, type Overrides } from "../dockerfile/forward.js";
import { errorAt, type Dockerfile, type Instruction } from "../dockerfile/parse.js";
import type { DockerfileSource } from "../dockerfile/read.js";
import { rewriteBundles } from "../dockerfile/rewrite.js";
import type { Gateway } from "../gateway/client.js";
import type { FrontendOptions } from "../gateway/options.js";
import type { Result } from "../gateway/types.js";
import { dispatchBundle, type BundleContext } from "./dispatch.js";
import { targetPlatform } from "./platform.js";

export async function buildWithBundles(gw: Gateway, opts: FrontendOptions, source: DockerfileSource, df: Dockerfile): Promise<Result> {
  const bundles = df.instructions.filter((i) => i.keyword === "BUNDLE");
  // Named contexts (context:<name>=input:<key>) arrived with BuildKit 0.10, as did Warn.
  if (!(await gw.hasCapID("FrontendAPICaps", "gateway.warnings"))) {
    throw errorAt(df, bundles[0], "BUNDLE needs BuildKit 0.10 or later (Docker 23.0 or later): this engine has no named build contexts");
  }
  const ctx: BundleContext = { gw, opts, df, platform: targetPlatform(opts.platform, await gw.ping()), timestamp: epoch(opts) };
  const replacements = new Map<Instruction, string>();
  const inputs: Record<string, Definition> = {};
  const contextOpts: Record<string, string> = {};
  const progress = () => ({ dockerfile: { ...source, data: rewriteBundles(df, replacements) }, overrides: { inputs, opts: contextOpts } as Overrides });
  for (const [n, ins] of bundles.entries()) {
    const name = `sidebundle-bundle-${n + 1}`;
    inputs[name] = await dispatchBundle(ctx, ins, progress());
    contextOpts[`context:${name}`] = `input:${name}`;
    replacements.set(ins, `COPY --from=${name} / /`);
  }
  const final = progress();
  return forwardToDockerfileFrontend(gw, opts, final.dockerfile, final.overrides);
}

function epoch(opts: FrontendOptions): bigint {
  const value = opts["build-arg:SOURCE_DATE_EPOCH"];
  return value && /^\d+$/.test(value) ? BigInt(value) * 1_000_000_000n : 0n;
}
