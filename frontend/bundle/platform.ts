// The platforms a BUNDLE is built for: the `platform` option (one or several, comma-separated),
// else the worker's default.
import type { Platform } from "../../llb/index.js";
import type { Pong } from "../gateway/types.js";

const ARCH_ALIASES: Record<string, string> = { x86_64: "amd64", aarch64: "arm64" };

export function targetPlatforms(option: string | undefined, pong: Pong): Platform[] {
  if (!option) {
    const worker = pong.Workers?.[0]?.platforms?.[0];
    return [worker ?? { OS: "linux", Architecture: "amd64" }];
  }
  const unique = new Map<string, Platform>();
  for (const one of option.split(",").map((s) => s.trim()).filter(Boolean)) {
    const platform = parsePlatform(one);
    unique.set(platformId(platform), platform);
  }
  return [...unique.values()];
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
