// /.sidebundle/manifest.lock: every path of the bundle with why it is there; files with their
// size, mode and sha256. Sorted, so identical input gives identical bytes.
import { describeReason, describeWarning, type Plan, type Reason } from "../closure/index.js";

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
export function manifest(plan: Plan, digests: ReadonlyMap<string, string>, opts: ManifestOptions): string {
  const paths = plan.entries.map((e) => {
    const reasons = stableReasons(e.reasons);
    if (e.kind === "file") return { path: e.path, type: "file", size: e.size, mode: octal(e.mode), sha256: digests.get(e.path), reasons };
    if (e.kind === "symlink") return { path: e.path, type: "symlink", target: e.target, reasons };
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
