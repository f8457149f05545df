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
  /** --compress: the files packed in the bundle, with their new size and sha256. */
  compressed?: { tool: string; files: ReadonlyMap<string, { size: number; sha256: string }> };
}

/**
 * The manifest's text; `digests` holds the sha256 of every file of the plan (the source's). A
 * file's size and sha256 are those of the bytes in the bundle: a packed file's are the packed
 * bytes', and `compressed` names the tool and the source's size and sha256.
 */
export function manifest(plan: Plan, digests: ReadonlyMap<string, string>, opts: ManifestOptions): string {
  const paths = plan.entries.map((e) => {
    const reasons = stableReasons(e.reasons);
    if (e.kind === "file") {
      const packed = opts.compressed?.files.get(e.path);
      const file = { path: e.path, type: "file", size: e.size, mode: octal(e.mode), sha256: digests.get(e.path) };
      if (!packed) return { ...file, reasons };
      const compressed = { tool: opts.compressed!.tool, size: e.size, sha256: file.sha256 };
      return { ...file, size: packed.size, sha256: packed.sha256, compressed, reasons };
    }
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
