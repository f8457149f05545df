// The platforms a BUNDLE is built for: the `platform` option (one or several, comma-separated),
// else the worker's default.
import type { Platform } from "../../llb/index.js";
import type { Dockerfile } from "../dockerfile/parse.js";
import type { Pong } from "../gateway/types.js";

const ARCH_ALIASES: Record<string, string> = { x86_64: "amd64", aarch64: "arm64" };

export function targetPlatforms(option: string | undefined, pong: Pong): Platform[] {
  if (!option) return [workerPlatform(pong)];
  return unique(option.split(",").map((s) => s.trim()).filter(Boolean).map(parsePlatform));
}

/** The worker's default platform: BUILDPLATFORM. */
export function workerPlatform(pong: Pong): Platform {
  return pong.Workers?.[0]?.platforms?.[0] ?? { OS: "linux", Architecture: "amd64" };
}

/**
 * The platforms that `FROM --platform=` names in these stages, literally or as $BUILDPLATFORM:
 * dockerfile.v0 gives such a stage the named context built for that platform
 * (context:<name>::<platform>) on every target platform.
 */
export function stagePlatforms(df: Dockerfile, stages: number[], build: Platform): Platform[] {
  const froms = df.instructions.filter((i) => i.keyword === "FROM" && stages.includes(i.stage));
  const values = froms.flatMap((i) => i.flags.filter((f) => f.startsWith("platform=")).map((f) => f.slice("platform=".length)));
  return unique(values.flatMap((v) => (/^\$\{?BUILDPLATFORM\}?$/.test(v) ? [build] : v && !v.includes("$") ? [parsePlatform(v)] : [])));
}

/** Without duplicates, in first-seen order. */
export function unique(platforms: Platform[]): Platform[] {
  return [...new Map(platforms.map((p) => [platformId(p), p])).values()];
}

function parsePlatform(text: string): Platform {
  const [os, arch, variant] = text.toLowerCase().split("/");
  const architecture = ARCH_ALIASES[arch] ?? arch;
  const platform: Platform = { OS: os, Architecture: architecture };
  // arm64's v8 is its only variant: BuildKit's normalized form leaves it out.
  if (variant && !(architecture === "arm64" && variant === "v8")) platform.Variant = variant;
  return platform;
}

/** os/arch[/variant], as BuildKit names a platform in `refs`, `refs.platforms` and `context:<name>::<id>`. */
export function platformId(p: Platform): string {
  return [p.OS, p.Architecture, ...(p.Variant ? [p.Variant] : [])].join("/");
}
