// What a bundle's layout is made of, worked out from a BUNDLE's flags and its resolution as plain
// values: the frontend (dispatch.ts) turns them into LLB, the CLI (frontend/cli) into files.
import { basename } from "node:path";
import { describeWarning, type LaunchSpec, type Plan } from "../closure/index.js";
import { fileInTheWay } from "../assemble/dirs.js";
import { manifest, type ManifestOptions } from "../assemble/manifest.js";
import { packageMetadataFiles, type MetadataFile } from "../assemble/package-metadata.js";
import type { Times } from "../assemble/times.js";
import { formatDuration, type BundleSpec } from "../dockerfile/bundle-spec.js";
import type { Resolved, ResolveRequest, TraceFailure } from "../resolve/resolution.js";
import { ending } from "../verify/test-run.js";

/** How long a --trace or --test may run, unless its own flag says otherwise: nothing hangs. */
export const DEFAULT_LIMIT_MS = 10 * 60_000;

/** The resolve step's request for a BUNDLE over a source with this environment. */
export function resolveRequest(spec: BundleSpec, env: Record<string, string>, ignore: string[]): ResolveRequest {
  return {
    entries: spec.entries,
    env,
    include: spec.include,
    exclude: spec.exclude,
    allowGpuLibs: spec.allowGpuLibs,
    skipRules: spec.skipRules,
    strict: spec.strict,
    ignore,
    launchers: spec.layout !== "rootfs",
    baseDirs: spec.layout === "rootfs",
    traceTimeoutKeeps: spec.traceTimeout !== undefined,
    packageMetadata: spec.packageMetadata !== "none",
  };
}

/** Each entry's launcher is bin/<its name>, so no two entries may share one. */
export function launcherNames(spec: BundleSpec): Map<string, string> {
  const names = new Map<string, string>();
  for (const entry of spec.entries) {
    const name = basename(entry);
    if ([...names.values()].includes(name)) throw new Error(`two entries are named ${name}; a ${spec.layout} bundle has one bin/${name}`);
    names.set(entry, name);
  }
  return names;
}

/** The directories --mkdir and --install-to make must not be files of the bundle: the error, if one is. */
export function dirsInTheWay(spec: BundleSpec, plan: Plan): string | undefined {
  const dirs = [...spec.mkdir.map((d) => ({ flag: "--mkdir", dir: d.path })), ...(spec.installTo ? [{ flag: "--install-to", dir: spec.installTo }] : [])];
  for (const { flag, dir } of dirs) {
    const file = fileInTheWay(plan, dir);
    if (file) return `${flag}=${dir}: ${file} is a file of the bundle, not a directory`;
  }
  return undefined;
}

/** A failed --trace, named by the user's command and quoting the end of its stderr. */
export function traceFailure(spec: BundleSpec, f: TraceFailure, stderr: string, limit: number): string {
  const cmd = `--trace "${spec.traces[f.trace].text}"`;
  if (f.timedOut) {
    return `${cmd} did not finish within ${formatDuration(limit)}; a command that runs on (a server) needs --trace-timeout=<duration>, which stops it then and keeps what it touched`;
  }
  return `${cmd} exited with status ${f.status}${stderr ? `; its error output ended with ${JSON.stringify(ending(stderr))}` : ""}`;
}

/** What every layout writes: the manifest, the digests, the times and the launchers. */
export interface LayoutInputs {
  manifest: string;
  digests: ReadonlyMap<string, string>;
  times: Times;
  /** The package metadata for scanners (--package-metadata), each file with its content. */
  metadata: MetadataFile[];
  /** Launch specs by launcher name, in the entries' order (portable and single-file layouts). */
  launches: ReadonlyMap<string, LaunchSpec>;
  /** --install-to: each entry's name and the path it is copied from. */
  installTo?: { dir: string; entries: { name: string; from: string }[] };
}

/** `epoch`: SOURCE_DATE_EPOCH in nanoseconds, when it is given; `compressed`: what --compress packed. */
export function layoutInputs(spec: BundleSpec, resolved: Resolved, epoch: bigint | undefined, compressed?: ManifestOptions["compressed"]): LayoutInputs {
  const { plan } = resolved;
  const digests = new Map(Object.entries(resolved.digests));
  const sourceDateEpoch = epoch === undefined ? undefined : Number(epoch / 1_000_000_000n);
  const names = spec.layout !== "rootfs" ? launcherNames(spec) : new Map<string, string>();
  const metadata = spec.packageMetadata === "none" ? [] : packageMetadataFiles(resolved.packages);
  return {
    manifest: manifest(plan, digests, resolved.packages, metadata, { source: spec.from, entries: spec.entries, sourceDateEpoch, compressed }),
    digests,
    metadata,
    // What the bundle adds is dated SOURCE_DATE_EPOCH (else 0); nothing is later than it.
    times: { own: epoch ?? 0n, clamp: epoch },
    launches: new Map(Object.entries(resolved.launches ?? {}).map(([entry, launch]) => [names.get(entry)!, launch])),
    ...(spec.installTo && { installTo: { dir: spec.installTo, entries: installed(spec.entries, plan) } }),
  };
}

/**
 * --install-to copies each entry under its own name (python3, not the python3.11 it links to),
 * from the path the entry was found at: the plan's first entry path with that name.
 */
function installed(entries: string[], plan: Plan): { name: string; from: string }[] {
  const located = plan.entries.filter((e) => e.kind !== "dir" && e.reasons.some((r) => r.kind === "entry"));
  return entries.map((entry) => {
    const name = basename(entry);
    return { name, from: entry.startsWith("/") ? entry : (located.find((e) => basename(e.path) === name)?.path ?? entry) };
  });
}

/** The last second an image config's RFC 3339 time can hold (year 9999), as BuildKit's encoder. */
const LAST_EPOCH = 253_402_300_799n;

/** SOURCE_DATE_EPOCH in nanoseconds, when it is given; a value BuildKit would fail on is an error. */
export function sourceDateEpoch(value: string | undefined): bigint | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`SOURCE_DATE_EPOCH=${value} is not a number of seconds since 1970`);
  if (BigInt(value) > LAST_EPOCH) throw new Error(`SOURCE_DATE_EPOCH=${value} is after the year 9999, which an image's creation time cannot hold`);
  return BigInt(value) * 1_000_000_000n;
}

/** What the user is warned of: tracing that could not run, and the plan's warnings. */
export function bundleWarnings(resolved: Resolved): string[] {
  const untraced = resolved.untraced ? [`tracing is unavailable here (${resolved.untraced}): the bundle holds what static analysis finds; add what the programs load at run time with --include`] : [];
  return [...untraced, ...resolved.plan.warnings.map(describeWarning)];
}
