// The Dockerfile read by BuildKit's own rules (moby/buildkit frontend/dockerfile/parser Parse):
// parser directives, comments, line continuations (empty continuation lines joined), heredocs,
// BOM, CRLF, each instruction with the lines BuildKit gives it. Only stages and BUNDLEs matter
// to us; everything else is BuildKit's business: the file is handed to dockerfile.v0 as it is.
import { FrontendError } from "../gateway/errors.js";
import { heredocsFromLine, isGoSpace, LexError } from "./heredoc.js";

export interface Instruction {
  keyword: string; // upper-cased
  /** The text after the keyword, flags included, continuation lines joined, heredoc bodies excluded. */
  args: string;
  /** Its --flags as BuildKit reads them, quotes removed: `from=build`, `mount=type=bind,from=x`. */
  flags: string[];
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
  escape: string;
  instructions: Instruction[];
  stages: Stage[];
}

/** A file BuildKit's parser rejects; the builtin frontend says why, so it is handed over as it is. */
export class DockerfileSyntaxError extends Error {
  constructor(
    message: string,
    readonly startLine: number,
    readonly endLine: number,
  ) {
    super(message);
  }
}

export function parseDockerfile(filename: string, data: Buffer): Dockerfile {
  const lines = splitLines(data);
  const reader = new Reader(lines);
  const instructions: Instruction[] = [];
  const stages: Stage[] = [];
  for (let ins = reader.next(); ins; ins = reader.next()) {
    if (ins.keyword === "FROM") stages.push(parseFrom(ins.rest, stages.length, ins.startLine));
    instructions.push({ keyword: ins.keyword, args: ins.args, flags: ins.flags, startLine: ins.startLine, endLine: ins.endLine, stage: stages.length - 1 });
  }
  return { filename, data, escape: reader.escape, instructions, stages };
}

/** Lines as Go's scanner gives them: split after each \n, no empty line after a final \n. */
function splitLines(data: Buffer): string[] {
  const lines = data.toString("utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines.length && lines[0].startsWith("\uFEFF")) lines[0] = lines[0].slice(1);
  return lines;
}

interface RawInstruction {
  keyword: string;
  args: string;
  flags: string[];
  /** args without the instruction's --flags. */
  rest: string;
  startLine: number;
  endLine: number;
}

class Reader {
  escape = "\\";
  private continuation = continuationRegex("\\");
  private readonly directives = new Directives();
  private line = 0; // lines consumed

  constructor(private readonly lines: string[]) {}

  next(): RawInstruction | undefined {
    while (this.line < this.lines.length) {
      const raw = this.lines[this.line];
      const token = this.process(trimLeftSpace(trimNewline(raw)));
      this.line++;
      const startLine = this.line;
      let { body, end } = this.trimContinuation(token);
      if (end && body === "") continue;
      let text = body;
      while (!end && this.line < this.lines.length) {
        const next = this.lines[this.line];
        const token = this.process(trimNewline(next));
        this.line++;
        if (isComment(next) || trimLeftSpace(token) === "") continue;
        ({ body, end } = this.trimContinuation(token));
        text += body;
      }
      return this.instruction(text, startLine);
    }
    return undefined;
  }

  /** processLine: parser directives are looked for on every line; comments become empty. */
  private process(token: string): string {
    const directive = this.directives.parse(token, this.line + 1);
    if (directive?.name === "escape") {
      if (directive.value !== "`" && directive.value !== "\\") {
        throw new DockerfileSyntaxError(`invalid escape token '${directive.value}' does not match \` or \\`, this.line, 0);
      }
      this.escape = directive.value;
      this.continuation = continuationRegex(this.escape);
    }
    return isComment(token) ? "" : token;
  }

  private trimContinuation(token: string): { body: string; end: boolean } {
    const m = this.continuation.exec(token);
    return m ? { body: token.slice(0, m.index) + (m[1] ?? ""), end: false } : { body: token, end: true };
  }

  private instruction(text: string, startLine: number): RawInstruction {
    const node = splitCommand(text, this.escape);
    const syntaxError = (message: string) => new DockerfileSyntaxError(message, startLine, this.line);
    const command = node.keyword === "ONBUILD" ? splitCommand(node.rest, this.escape) : node;
    if (HEREDOC_INSTRUCTIONS.has(command.keyword) && !isJsonForm(command.rest, syntaxError) && text.includes("<<")) {
      let heredocs;
      try {
        heredocs = heredocsFromLine(text);
      } catch (err) {
        if (err instanceof LexError) throw syntaxError(err.message);
        throw err;
      }
      for (const heredoc of heredocs) this.skipHeredoc(heredoc.name, heredoc.chomp, syntaxError);
    }
    return { ...node, startLine, endLine: this.line };
  }

  private skipHeredoc(name: string, chomp: boolean, syntaxError: (m: string) => Error): void {
    while (this.line < this.lines.length) {
      let candidate = trimNewline(this.lines[this.line++]);
      if (chomp) candidate = candidate.replace(/^\t+/, "");
      if (candidate === name) return;
    }
    throw syntaxError("unterminated heredoc");
  }
}

const HEREDOC_INSTRUCTIONS = new Set(["RUN", "COPY", "ADD"]);

/** An escape character at the end of a line, not itself escaped, or alone on its line. */
function continuationRegex(escape: string): RegExp {
  const e = `\\${escape}`;
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
}

/** The `# key=value` parser directives, only in the leading block of comment lines. */
class Directives {
  private done = false;
  private readonly seen = new Set<string>();

  parse(line: string, lineNumber: number): { name: string; value: string } | undefined {
    if (this.done) return undefined;
    const m = line.startsWith("#") ? /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/.exec(trimLeftSpace(line.slice(1))) : null;
    const name = m?.[1].toLowerCase();
    if (!m || !name || !["syntax", "escape", "check"].includes(name)) {
      this.done = true;
      return undefined;
    }
    if (this.seen.has(name)) throw new DockerfileSyntaxError(`only one ${name} parser directive can be used`, lineNumber - 1, 0);
    this.seen.add(name);
    return { name, value: m[2] };
  }
}

/** splitCommand: the keyword, then the builder flags (--x=y) and what follows them. */
function splitCommand(line: string, escape: string): { keyword: string; args: string; flags: string[]; rest: string } {
  const trimmed = trimSpace(line);
  const m = /[\t\v\f\r ]+/.exec(trimmed);
  const keyword = goLower(m ? trimmed.slice(0, m.index) : trimmed).replace(/[a-z]/g, (c) => c.toUpperCase());
  const args = m ? trimmed.slice(m.index + m[0].length) : "";
  const { flags, rest } = builderFlags(args, escape);
  return { keyword, args: trimSpace(args), flags, rest: trimSpace(rest) };
}

/** extractBuilderFlags: the leading `--` words (without their dashes), up to the first other word or `--`. */
function builderFlags(line: string, escape: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let pos = 0;
  for (;;) {
    while (pos < line.length && isGoSpace(line[pos])) pos++;
    if (!line.startsWith("--", pos)) return { flags, rest: line.slice(pos) };
    let word = "";
    let quote: string | undefined;
    let quoted = false;
    for (; pos < line.length && (quote || !isGoSpace(line[pos])); pos++) {
      const c = line[pos];
      if (c === quote) quote = undefined;
      else if (!quote && (c === "'" || c === '"')) quote = c;
      else if (c === escape && pos + 1 < line.length) word += line[++pos];
      else if (c !== escape) word += c;
      quoted ||= quote !== undefined;
    }
    if (word === "--") return { flags, rest: pos >= line.length ? "" : line.slice(pos) };
    if (word.length > 0 || quoted) flags.push(word.slice(2));
    if (pos >= line.length) return { flags, rest: "" };
  }
}

/**
 * JSON (exec) form, which opens no heredoc; an array of anything but strings is BuildKit's error.
 * A JSON array followed by more text is shell form (BuildKit 0.15 and later; older ones dropped the rest).
 */
function isJsonForm(rest: string, syntaxError: (m: string) => Error): boolean {
  const text = trimLeftSpace(rest);
  if (!text.startsWith("[") || !/\][\t\n\r ]*$/.test(text)) return false;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  if (!Array.isArray(value)) return false;
  if (!value.every((v) => typeof v === "string")) throw syntaxError("when using JSON array syntax, arrays must be comprised of strings only");
  return true;
}

function parseFrom(rest: string, index: number, line: number): Stage {
  const words = rest.split(/[\t\v\f\r ]+/).filter((w) => w !== "");
  const base = words[0] ?? "";
  const name = words.length === 3 && words[1].toLowerCase() === "as" ? words[2].toLowerCase() : undefined;
  return { index, name, base, line };
}

function isComment(line: string): boolean {
  return trimLeftSpace(line).startsWith("#");
}

function trimNewline(line: string): string {
  return line.replace(/[\r\n]+$/, "");
}

function trimLeftSpace(s: string): string {
  let i = 0;
  while (i < s.length && isGoSpace(s[i])) i++;
  return s.slice(i);
}

function trimSpace(s: string): string {
  let end = s.length;
  while (end > 0 && isGoSpace(s[end - 1])) end--;
  return trimLeftSpace(s.slice(0, end));
}

/** Go's strings.ToLower where it differs from JavaScript's for a keyword: İ is i. */
function goLower(s: string): string {
  return s.replace(/\u0130/g, "i").toLowerCase();
}

/** A FrontendError that points at the instruction's lines. */
export function errorAt(df: Dockerfile, ins: Pick<Instruction, "startLine" | "endLine">, message: string): FrontendError {
  return new FrontendError(message, {
    filename: df.filename,
    data: df.data,
    ranges: [{ start: { line: ins.startLine }, end: { line: ins.endLine } }],
  });
}
