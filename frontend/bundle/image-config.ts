// The image config of an image whose one layer is a bundle.
import type { ImageConfig } from "../source/source.js";
import type { BundleContext } from "./dispatch.js";

/**
 * The image config of a bundle's one layer (a stage that starts from a bundle, a minimized
 * image). dockerfile.v0 keeps a named context's times as they are (SOURCE_DATE_EPOCH does not
 * apply to them), and the exporter dates a layer that has no history entry "now"; so both are
 * written here, from SOURCE_DATE_EPOCH when it is set.
 */
export function imageConfig(ctx: BundleContext, createdBy: string, config: ImageConfig): Buffer {
  const p = ctx.platform;
  const created = ctx.epoch !== undefined ? new Date(Number(ctx.epoch / 1_000_000n)).toISOString() : undefined;
  const history = [{ created, created_by: createdBy, comment: "sidebundle" }];
  return Buffer.from(JSON.stringify({ architecture: p.Architecture, os: p.OS, variant: p.Variant, created, history, config }));
}
