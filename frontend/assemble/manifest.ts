// /.sidebundle/manifest.lock: every path of the bundle with why it is there; files with their
// size, mode and sha256; files and symlinks with the Debian package that owns them, or null.
// Sorted, so identical input gives identical bytes.
import { describeReason, describeWarning, type DebPackage, type Packages, type Plan, type Reason } from "../closure/index.js";
import { ancestors } from "../closure/fs.js";
import { METADATA_MODE, type MetadataFile } from "./package-metadata.js";

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
 * bytes', and `compressed` names the tool and the source's size and sha256. Each file and symlink
 * names its owning package, or null; the package metadata the bundle adds is listed too.
 */
export function manifest(plan: Plan, digests: ReadonlyMap<string, string>, packages: Packages, metadata: MetadataFile[], opts: ManifestOptions): string {
  const byId = new Map(packages.packages.map((p) => [p.id, p]));
  const owner = (path: string): DebPackage | null => {
    const p = byId.get(packages.owners[path] ?? "");
    return p ? { name: p.name, version: p.version, architecture: p.architecture } : null;
  };
  const paths = plan.entries.map((e) => {
    const reasons = stableReasons(e.reasons);
    if (e.kind === "file") {
      const packed = opts.compressed?.files.get(e.path);
      const file = { path: e.path, type: "file", size: e.size, mode: octal(e.mode), sha256: digests.get(e.path), package: owner(e.path) };
      if (!packed) return { ...file, reasons };
      const compressed = { tool: opts.compressed!.tool, size: e.size, sha256: file.sha256 };
      return { ...file, size: packed.size, sha256: packed.sha256, compressed, reasons };
    }
    if (e.kind === "symlink") return { path: e.path, type: "symlink", target: e.target, package: owner(e.path), reasons };
    return { path: e.path, type: "dir", mode: octal(e.mode), reasons };
  });
  const all = [...paths, ...metadataPaths(plan, metadata)].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const doc = { version: 1, source: opts.source, entries: opts.entries, sourceDateEpoch: opts.sourceDateEpoch, paths: all, warnings: plan.warnings.map(describeWarning) };
  return JSON.stringify(doc, null, 2) + "\n";
}

/** The package metadata the bundle adds, and the directories it makes for it. */
function metadataPaths(plan: Plan, metadata: MetadataFile[]): { path: string }[] {
  const planned = new Set(plan.entries.map((e) => e.path));
  const dirs = [...new Set(metadata.flatMap((f) => ancestors(f.path)))].filter((d) => !planned.has(d));
  const reasons = ["package metadata for scanners"];
  return [
    ...dirs.map((path) => ({ path, type: "dir", mode: octal(0o755), reasons: ["parent"] })),
    ...metadata.map((f) => ({ path: f.path, type: "file", size: Buffer.byteLength(f.content), mode: octal(METADATA_MODE), sha256: f.sha256, package: null, reasons })),
  ];
}

function stableReasons(reasons: Reason[]): string[] {
  return [...new Set(reasons.map(describeReason))].sort();
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}
