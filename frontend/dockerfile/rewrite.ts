// BUNDLE lines (and the FROM lines of stages that start from a bundle) become plain Dockerfile:
// the first line of each becomes its replacement, the rest blank lines, so that every line keeps
// its number (errors and warnings point at the user's lines). A BUNDLE without a replacement yet
// is blanked.
import type { Dockerfile, Instruction } from "./parse.js";

export function rewriteBundles(df: Dockerfile, replacements: ReadonlyMap<Instruction, string>): Buffer {
  const lines = [...df.lines];
  for (const ins of df.instructions) {
    if (ins.keyword !== "BUNDLE" && !replacements.has(ins)) continue;
    for (let line = ins.startLine; line <= ins.endLine; line++) lines[line - 1] = "";
    lines[ins.startLine - 1] = replacements.get(ins) ?? "";
  }
  return Buffer.from(lines.join("\n"));
}
