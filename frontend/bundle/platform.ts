// The one platform a BUNDLE is built for: the `platform` option, else the worker's default.
import type { Platform } from "../../llb/index.js";
import { FrontendError } from "../gateway/errors.js";
import type { Pong } from "../gateway/types.js";

const ARCH_ALIASES: Record<string, string> = { x86_64: "amd64", aarch64: "arm64" };

export function targetPlatform(option: string | undefined, pong: Pong): Platform {
  if (option?.includes(",")) {
    throw new FrontendError(`BUNDLE builds one platform at a time; run one build per platform instead of --platform=${option}`);
  }
  if (!option) {
    const worker = pong.Workers?.[0]?.platforms?.[0];
    return worker ?? { OS: "linux", Architecture: "amd64" };
  }
  const [os, arch, variant] = option.split("/");
  const platform: Platform = { OS: os, Architecture: ARCH_ALIASES[arch] ?? arch };
  if (variant) platform.Variant = variant;
  return platform;
}

/** os/arch[/variant], as BuildKit names a platform (containerd's platforms.Format). */
export function formatPlatform(p: Platform): string {
  return [p.OS, p.Architecture, ...(p.Variant ? [p.Variant] : [])].join("/");
}
