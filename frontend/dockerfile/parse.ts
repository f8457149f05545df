// Just enough of the Dockerfile grammar to find stages and BUNDLE instructions with their exact
// lines: parser directives (escape), comments, line continuations, heredocs kept verbatim.
// Everything else is BuildKit's business: the file is handed to dockerfile.v0 as it is.
import { FrontendError } from "../gateway/errors.js";

export interface Instruction {
  keyword: string; // upper-cased
  /** The text after the keyword, continuation lines joined, heredoc bodies excluded. */
  args: string;
  startLine: number; // 1-based, inclusive
  endLine: number;
  /** Index of the stage the instruction belongs to (-1 before the first FROM). */
  stage: number;
}

export interface Stage {
  index: number;
  /** Lower-cased, as BuildKit matches stage names. */
  name?: string;
  base: string;
  line: number;
}

export interface Dockerfile {
  filename: string;
  data: Buffer;
  lines: string[];
  escape: string;
  instructions: Instruction[];
  stages: Stage[];
}

export function parseDockerfile(filename: string, data: Buffer): Dockerfile {
  const lines = data.toString("utf8").split("\n").map((l) => l.replace(/\r$/, ""));
  const escape = escapeDirective(lines);
  const instructions: Instruction[] = [];
  const stages: Stage[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlankOrComment(line)) {
      i++;
      continue;
    }
    const start = i;
    let text = stripContinuation(line, escape);
    while (text.continued && i + 1 < lines.length) {
      i++;
      if (isComment(lines[i])) continue; // comments inside a continuation are dropped, as BuildKit does
      const next = stripContinuation(lines[i], escape);
      text = { body: text.body + next.body, continued: next.continued };
    }
    const match = /^\s*(\S+)\s*([\s\S]*)$/.exec(text.body)!;
    const keyword = match[1].toUpperCase();
    const args = match[2].trim();
    i = skipHeredocs(lines, i, keyword, args);
    if (keyword === "FROM") stages.push(parseFrom(args, stages.length, start + 1));
    instructions.push({ keyword, args, startLine: start + 1, endLine: i + 1, stage: stages.length - 1 });
    i++;
  }
  return { filename, data, lines, escape, instructions, stages };
}

/** The `# escape=` parser directive, only in the leading block of directives. */
function escapeDirective(lines: string[]): string {
  for (const line of lines) {
    const m = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/.exec(line);
    if (!m) break;
    if (m[1].toLowerCase() === "escape") return m[2];
  }
  return "\\";
}

function isComment(line: string): boolean {
  return /^\s*#/.test(line);
}

function isBlankOrComment(line: string): boolean {
  return line.trim() === "" || isComment(line);
}

function stripContinuation(line: string, escape: string): { body: string; continued: boolean } {
  const trimmed = line.replace(/\s+$/, "");
  if (trimmed.endsWith(escape) && !trimmed.endsWith(escape + escape)) {
    return { body: trimmed.slice(0, -escape.length), continued: true };
  }
  return { body: line, continued: false };
}

const HEREDOC_INSTRUCTIONS = new Set(["RUN", "COPY", "ADD"]);

/** Heredoc bodies follow the instruction line; returns the index of the last line consumed. */
function skipHeredocs(lines: string[], last: number, keyword: string, args: string): number {
  if (!HEREDOC_INSTRUCTIONS.has(keyword)) return last;
  const re = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;
  let i = last;
  for (let m = re.exec(args); m; m = re.exec(args)) {
    const [, dash, , word] = m;
    do i++;
    while (i < lines.length && (dash ? lines[i].replace(/^\t+/, "") : lines[i]) !== word);
  }
  return Math.min(i, lines.length - 1);
}

function parseFrom(args: string, index: number, line: number): Stage {
  const words = args.split(/\s+/).filter((w) => !w.startsWith("--"));
  const base = words[0] ?? "";
  const name = words.length >= 3 && words[1].toLowerCase() === "as" ? words[2].toLowerCase() : undefined;
  return { index, name, base, line };
}

/** A FrontendError that points at the instruction's lines. */
export function errorAt(df: Dockerfile, ins: Pick<Instruction, "startLine" | "endLine">, message: string): FrontendError {
  return new FrontendError(message, {
    filename: df.filename,
    data: df.data,
    ranges: [{ start: { line: ins.startLine }, end: { line: ins.endLine } }],
  });
}
