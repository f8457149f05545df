// /.sidebundle/manifest.lock: every path of the bundle with why it is there; files with their
// size, mode and sha256; files and symlinks with the Debian package that owns them, or null.
// Sorted, so identical input gives identical bytes.
import { describeReason, describeWarning, type DebPackage, type Packages, type Plan, type Reason } from "../closure/index.js";

export const MANIFEST_PATH = "/.sidebundle/manifest.lock";

export interface ManifestOptions {
  source: string;
  entries: string[];
  /**
   * SOURCE_DATE_EPOCH in seconds, when given: the times are clamped to it. BuildKit's cache
   * compares contents without times, so the manifest's content says what made them.
   */
  sourceDateEpoch?: number;
}

/** The manifest's text; `digests` holds the sha256 of every file of the plan. */
export function manifest(plan: Plan, digests: ReadonlyMap<string, string>, packages: Packages, opts: ManifestOptions): string {
  const byId = new Map(packages.packages.map((p) => [p.id, p]));
  const owner = (path: string): DebPackage | null => {
    const p = byId.get(packages.owners[path] ?? "");
    return p ? { name: p.name, version: p.version, architecture: p.architecture } : null;
  };
  const paths = plan.entries.map((e) => {
    const reasons = stableReasons(e.reasons);
    if (e.kind === "file") return { path: e.path, type: "file", size: e.size, mode: octal(e.mode), sha256: digests.get(e.path), package: owner(e.path), reasons };
    if (e.kind === "symlink") return { path: e.path, type: "symlink", target: e.target, package: owner(e.path), reasons };
    return { path: e.path, type: "dir", mode: octal(e.mode), reasons };
  });
  const doc = { version: 1, source: opts.source, entries: opts.entries, sourceDateEpoch: opts.sourceDateEpoch, paths, warnings: plan.warnings.map(describeWarning) };
  return JSON.stringify(doc, null, 2) + "\n";
}

function stableReasons(reasons: Reason[]): string[] {
  return [...new Set(reasons.map(describeReason))].sort();
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}
