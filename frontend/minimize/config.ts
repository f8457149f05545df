// What an image's config says about the programs it runs: the ENTRYPOINT+CMD command line, the
// HEALTHCHECK command, and the config the minimized image keeps.
import { posix } from "node:path";
import type { ImageConfig } from "../source/source.js";

/** What the container runs: ENTRYPOINT followed by CMD, or CMD alone, as Docker starts it. */
export function commandLine(config: ImageConfig): string[] {
  return [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
}

/** The shell of shell-form commands: SHELL, else /bin/sh -c. */
export function shellOf(config: ImageConfig): string[] {
  return config.Shell?.length ? config.Shell : ["/bin/sh", "-c"];
}

/** The HEALTHCHECK's command line (CMD-SHELL through the image's shell); none for NONE. */
export function healthcheckCommand(config: ImageConfig): string[] | undefined {
  const [kind, ...rest] = config.Healthcheck?.Test ?? [];
  if (kind === "CMD" && rest.length) return rest;
  if (kind === "CMD-SHELL" && rest.length) return [...shellOf(config), rest.join(" ")];
  return undefined;
}

/**
 * A command's program as BUNDLE names an entry: an absolute path, a name looked up on the image's
 * PATH, or a relative path with a slash, which the runtime finds from the WORKDIR.
 */
export function programOf(argv0: string, workdir: string | undefined): string {
  if (argv0.startsWith("/") || !argv0.includes("/")) return argv0;
  return posix.join(workdir || "/", argv0);
}

/** The entries the config names: the program it runs and its HEALTHCHECK's program, once each. */
export function configEntries(config: ImageConfig): string[] {
  const commands = [commandLine(config), healthcheckCommand(config) ?? []];
  const programs = commands.filter((c) => c.length).map((c) => programOf(c[0], config.WorkingDir));
  return [...new Set(programs)];
}

/** It EXPOSEs a port: a server, probed as soon as it starts. */
export function exposes(config: ImageConfig): boolean {
  return Object.keys(config.ExposedPorts ?? {}).length > 0;
}

/** The config the minimized image keeps: all of it but ONBUILD, which belongs to the fat image's builds. */
export function keptConfig(config: ImageConfig): ImageConfig {
  const kept: ImageConfig = { ...config };
  delete kept.OnBuild;
  return kept;
}
