// /.sidebundle/manifest.lock: every path of the bundle with why it is there; files with their
// size, mode and sha256. Sorted, so identical input gives identical bytes.
import { createHash } from "node:crypto";
import type { Plan, RootFS } from "../closure/index.js";
import { forEachConcurrently } from "../concurrency.js";

export const MANIFEST_PATH = "/.sidebundle/manifest.lock";

export interface ManifestOptions {
  source: string;
  entries: string[];
}

const CONCURRENT_READS = 32;

/** The manifest's text; `digests` holds the sha256 of every file of the plan. */
export function manifest(plan: Plan, digests: ReadonlyMap<string, string>, opts: ManifestOptions): string {
  const paths = plan.entries.map((e) => {
    const reasons = stableReasons(e.reasons);
    if (e.kind === "file") return { path: e.path, type: "file", size: e.size, mode: octal(e.mode), sha256: digests.get(e.path), reasons };
    if (e.kind === "symlink") return { path: e.path, type: "symlink", target: e.target, reasons };
    return { path: e.path, type: "dir", mode: octal(e.mode), reasons };
  });
  const doc = { version: 1, source: opts.source, entries: opts.entries, paths, warnings: plan.warnings };
  return JSON.stringify(doc, null, 2) + "\n";
}

/**
 * Reasons without the traced process ids: a re-run of the same trace may number its processes
 * differently, and identical input must give an identical manifest.
 */
function stableReasons(reasons: string[]): string[] {
  return [...new Set(reasons.map((r) => r.replace(/ by pid \d+ \((.*)\)$/, " by $1")))].sort();
}

/** sha256 of each file's content (a symlink's is its target's), read a few at a time. */
export async function fileDigests(fs: RootFS, files: string[]): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  await forEachConcurrently(files, CONCURRENT_READS, async (path) => {
    digests.set(path, createHash("sha256").update(await fs.readFile(path)).digest("hex"));
  });
  return digests;
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}
