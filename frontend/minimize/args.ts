// The build-args of a zero-edit minimize (--build-arg SIDEBUNDLE_MINIMIZE=1 on any Dockerfile),
// read and checked before anything is built. Each mistake is one line naming the build-arg.
import { command, glob, type Command } from "../dockerfile/bundle-spec.js";
import { FrontendError } from "../gateway/errors.js";
import type { FrontendOptions } from "../gateway/options.js";

export interface MinimizeArgs {
  /** More programs to keep, as BUNDLE's entries (absolute, or a name on the image's PATH). */
  entries: string[];
  include: string[];
  exclude: string[];
  /** Commands run (with the image's shell tools) while a server is up; not entries themselves. */
  probes: string[];
  /** Trace commands that replace the run of the image's ENTRYPOINT/CMD, as BUNDLE's --trace. */
  traces: Command[];
  /** Run in the minimized image, as BUNDLE's --test; they replace the HEALTHCHECK test. */
  tests: Command[];
}

export const MINIMIZE_ARG = "SIDEBUNDLE_MINIMIZE";

/** Whether the build asks for a minimize: 1/true, else 0/false/empty; anything else is a mistake. */
export function minimizeRequested(opts: FrontendOptions): boolean {
  const value = opts[`build-arg:${MINIMIZE_ARG}`];
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  if (v === "1" || v === "true") return true;
  if (v === "0" || v === "false" || v === "") return false;
  throw new FrontendError(`${MINIMIZE_ARG}=${value}: use 1 (or true) to minimize the target stage, 0 (or false) not to`);
}

export function readMinimizeArgs(opts: FrontendOptions): MinimizeArgs {
  const list = (name: string) => listArg(name, opts[`build-arg:${name}`]);
  return checked(() => ({
    entries: list("SIDEBUNDLE_ENTRIES").map((e) => entry(e, "SIDEBUNDLE_ENTRIES")),
    include: list("SIDEBUNDLE_INCLUDE").map((g) => glob(g, "SIDEBUNDLE_INCLUDE")),
    exclude: list("SIDEBUNDLE_EXCLUDE").map((g) => glob(g, "SIDEBUNDLE_EXCLUDE")),
    probes: list("SIDEBUNDLE_PROBE"),
    traces: list("SIDEBUNDLE_TRACE").map((c) => command("SIDEBUNDLE_TRACE", c)),
    tests: list("SIDEBUNDLE_TEST").map((c) => command("SIDEBUNDLE_TEST", c)),
  }));
}

/**
 * A list build-arg: a JSON array of strings, or one item a line (blank lines skipped). A JSON
 * item is taken as it is; a line is trimmed.
 */
export function listArg(name: string, value: string | undefined): string[] {
  if (value === undefined || value.trim() === "") return [];
  if (value.trimStart().startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (err) {
      throw new FrontendError(`${name}: not a JSON array of strings (${(err as Error).message})`);
    }
    if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === "string")) {
      throw new FrontendError(`${name}: a JSON list must be an array of strings`);
    }
    for (const item of parsed) if (item.trim() === "") throw new FrontendError(`${name}: an item of the list is empty`);
    return parsed;
  }
  return value
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

function entry(value: string, name: string): string {
  if (/\s/.test(value)) throw new Error(`${name}: "${value}" is not a path or program name (one entry a line, or a JSON array)`);
  return value;
}

/** The shared flag checks throw plain errors that already name the build-arg. */
function checked<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof FrontendError) throw err;
    throw new FrontendError((err as Error).message);
  }
}
