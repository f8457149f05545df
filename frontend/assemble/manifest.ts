// /.sidebundle/manifest.lock: every path of the bundle with why it is there; files with their
// size, mode and sha256. Sorted, so identical input gives identical bytes.
import { createHash } from "node:crypto";
import type { Plan, RootFS } from "../closure/index.js";

export const MANIFEST_PATH = "/.sidebundle/manifest.lock";

export interface ManifestOptions {
  source: string;
  entries: string[];
}

export async function manifest(plan: Plan, fs: RootFS, opts: ManifestOptions): Promise<string> {
  const paths = [];
  for (const e of plan.entries) {
    if (e.kind === "file") {
      const sha256 = createHash("sha256").update(await fs.readFile(e.path)).digest("hex");
      paths.push({ path: e.path, type: "file", size: e.size, mode: octal(e.mode), sha256, reasons: e.reasons });
    } else if (e.kind === "symlink") {
      paths.push({ path: e.path, type: "symlink", target: e.target, reasons: e.reasons });
    } else {
      paths.push({ path: e.path, type: "dir", mode: octal(e.mode), reasons: e.reasons });
    }
  }
  const doc = { version: 1, source: opts.source, entries: opts.entries, paths, warnings: plan.warnings };
  return JSON.stringify(doc, null, 2) + "\n";
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}
