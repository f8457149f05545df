// BUNDLE lines (and the FROM lines of stages that start from a bundle) become plain Dockerfile:
// the first line of each becomes its replacement, the rest blank lines, so that every line keeps
// its number (errors and warnings point at the user's lines). A BUNDLE without a replacement yet
// is blanked. Every other byte stays as it was, line endings (CRLF) included.
import type { Dockerfile, Instruction } from "./parse.js";

export function rewriteBundles(df: Dockerfile, replacements: ReadonlyMap<Instruction, string>): Buffer {
  const lines = splitKeepingEnds(df.data);
  for (const ins of df.instructions) {
    if (ins.keyword !== "BUNDLE" && !replacements.has(ins)) continue;
    for (let line = ins.startLine; line <= ins.endLine; line++) lines[line - 1].body = Buffer.alloc(0);
    lines[ins.startLine - 1].body = Buffer.from(replacements.get(ins) ?? "");
  }
  return Buffer.concat(lines.flatMap((l) => [l.body, l.end]));
}

/** Each line's text and its ending (`\n`, `\r\n`, or nothing on the last line). */
function splitKeepingEnds(data: Buffer): { body: Buffer; end: Buffer }[] {
  const lines = [];
  let start = 0;
  while (start < data.length) {
    const nl = data.indexOf(0x0a, start);
    const stop = nl < 0 ? data.length : nl + 1;
    let body = nl < 0 ? stop : nl;
    while (body > start && data[body - 1] === 0x0d) body--;
    lines.push({ body: data.subarray(start, body), end: data.subarray(body, stop) });
    start = stop;
  }
  return lines;
}
