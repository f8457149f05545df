// A zero-edit minimize: the target stage is built as dockerfile.v0 builds it, its image config
// becomes the BUNDLE a user would have written (plan.ts), that BUNDLE runs as any other
// (bundle/dispatch.ts), and the result is the bundle with the stage's config kept.
import { FileActions, State } from "../../llb/index.js";
import { MANIFEST_PATH } from "../assemble/manifest.js";
import { bundleFrom, megabytes, type Bundle, type BundleContext, type Progress } from "../bundle/dispatch.js";
import { imageConfig } from "../bundle/image-config.js";
import { stageStart } from "../bundle/stages.js";
import { errorAt, type Stage } from "../dockerfile/parse.js";
import type { Result } from "../gateway/types.js";
import type { Size } from "../resolve/resolution.js";
import { solveStage } from "../source/source.js";
import { MINIMIZE_ARG, type MinimizeArgs } from "./args.js";
import { keptConfig } from "./config.js";
import { copiedPaths } from "./copied.js";
import { minimizeSpec, NothingToRun } from "./plan.js";

export async function minimizeStage(ctx: BundleContext, progress: Progress, stage: Stage, args: MinimizeArgs): Promise<{ result: Result; bundle: Bundle }> {
  const { gw, df } = ctx;
  const at = stageStart(df, stage);
  const name = stage.name ?? `stage-${stage.index}`;
  const src = await solveStage({ ...progress, gw, opts: ctx.opts, df, platform: ctx.platform }, stage);
  let spec;
  try {
    spec = minimizeSpec(name, src.config, args, copiedPaths(df, stage));
  } catch (err) {
    if (err instanceof NothingToRun) throw errorAt(df, at, `${MINIMIZE_ARG}: ${err.message}`);
    throw err;
  }
  const bundle = await bundleFrom(ctx, at, spec, src, { who: MINIMIZE_ARG, measureSource: true });
  await report(ctx, name, bundle.size, bundle.source);
  const { ref } = await gw.solve({ Definition: bundle.def });
  const config = imageConfig(ctx, `sidebundle: ${MINIMIZE_ARG}=1 of stage ${name}`, keptConfig(src.config));
  return { result: { ref, metadata: { "containerimage.config": config } }, bundle };
}

/** The sizes, as a step of the build's progress (a vertex named with them). */
async function report(ctx: BundleContext, stage: string, size: Size, fat: Size | undefined): Promise<void> {
  const from = fat ? `${megabytes(fat.bytes)} (${fat.files} files) → ` : "";
  const line = `[sidebundle] minimized stage ${stage}: ${from}${megabytes(size.bytes)} (${size.files} files); manifest: ${MANIFEST_PATH}`;
  const state = State.scratch().file(FileActions.empty().mkdir("/report", 0o755, { timestamp: 0n }), { customName: line });
  await ctx.gw.solve({ Definition: state.marshal(), Evaluate: true });
}
