// Which heredocs an instruction line opens, by BuildKit's rules (frontend/dockerfile/parser
// heredocsFromLine and shell/lex.go): the line is split into words with quotes and escapes kept
// and unset variables left as written; a word is a heredoc when it is `[fd]<<[-]WORD` as a whole,
// so `$((1<<FOO))` or `cat<<EOF` open none. A line whose words cannot be split (an unterminated
// quote) opens none either, as in BuildKit. `<< WORD` (a blank after <<) is a heredoc since
// BuildKit 0.21 (dockerfile frontend 1.16); older builtins read it as two words.

export interface Heredoc {
  name: string;
  /** `<<-`: the terminator may be indented with tabs. */
  chomp: boolean;
}

/** A lexing error of a heredoc word, which BuildKit reports as a parse error. */
export class LexError extends Error {}

export function heredocsFromLine(line: string): Heredoc[] {
  let words: string[];
  try {
    words = new Lexer(line, { raw: true }).words();
  } catch (err) {
    if (err instanceof LexError) return [];
    throw err;
  }
  return words.map(parseHeredoc).filter((h): h is Heredoc => h !== undefined);
}

const HEREDOC = /^(\d*)<<(-?)[\t\n\f\r ]*([^<]*)$/;

function parseHeredoc(word: string): Heredoc | undefined {
  const m = HEREDOC.exec(word);
  if (!m || m[3] === "") return undefined;
  const words = new Lexer(m[3], { raw: false }).words();
  if (words.length !== 1) return undefined;
  if (new Lexer(m[3], { raw: true }).words().length !== 1) throw new LexError(`internal lexing of heredoc produced inconsistent results: ${m[3]}`);
  return { name: words[0], chomp: m[2] === "-" };
}

const EOF = "";
const ESCAPE = "\\";

/** Go's unicode.IsSpace, for one character. */
export function isGoSpace(c: string): boolean {
  const code = c.charCodeAt(0);
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0x85) return false;
  return code === 0x85 || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000;
}

/**
 * BuildKit's shell.Lex with an empty environment and SkipUnsetEnv, always with `\` as escape.
 * `raw` keeps quotes and escape characters (RawQuotes and RawEscapes). The words buffer is shared
 * between nested expansions, as in BuildKit, so `a${x:-b}` loses its `a` there too.
 */
class Lexer {
  private readonly chars: string[];
  private pos = 0;
  private buf = "";

  constructor(
    text: string,
    private readonly opts: { raw: boolean },
  ) {
    this.chars = [...text];
  }

  words(): string[] {
    return this.stopOn(EOF, this.opts.raw).words;
  }

  private peek(): string {
    return this.chars[this.pos] ?? EOF;
  }

  private next(): string {
    return this.chars[this.pos++] ?? EOF;
  }

  private stopOn(stop: string, rawEscapes: boolean): { result: string; words: string[] } {
    let result = "";
    this.buf = "";
    const words: string[] = [];
    let inWord = false;
    const flush = () => {
      if (this.buf.length) words.push(this.buf);
      this.buf = "";
      inWord = false;
    };
    const addChar = (c: string) => {
      if (isGoSpace(c) && inWord) {
        if (this.buf.length) flush();
      } else if (!isGoSpace(c)) addRaw(c);
    };
    const addRaw = (s: string) => {
      this.buf += s;
      inWord = true;
    };
    while (this.peek() !== EOF) {
      const c = this.peek();
      if (stop !== EOF && c === stop) {
        this.next();
        flush();
        return { result, words };
      }
      if (c === "$") {
        const tmp = this.dollar();
        result += tmp;
        for (const ch of tmp) addChar(ch);
      } else if (c === "<" || c === "'" || c === '"') {
        const tmp = c === "<" ? this.possibleHeredoc() : c === "'" ? this.singleQuote() : this.doubleQuote(rawEscapes);
        result += tmp;
        addRaw(tmp);
      } else {
        let ch = this.next();
        if (ch === ESCAPE) {
          if (rawEscapes) {
            addRaw(ch);
            result += ch;
          }
          ch = this.next();
          if (ch === EOF) break;
          addRaw(ch);
        } else addChar(ch);
        result += ch;
      }
    }
    if (stop !== EOF) throw new LexError(`unexpected end of statement while looking for matching ${stop}`);
    flush();
    return { result, words };
  }

  private possibleHeredoc(): string {
    this.next();
    if (this.peek() !== "<") return "<";
    this.next();
    let space = "";
    while (["\t", "\r", " "].includes(this.peek())) space += this.next();
    return `<<${space}`;
  }

  private singleQuote(): string {
    const quote = this.next();
    let result = this.opts.raw ? quote : "";
    for (;;) {
      const c = this.next();
      if (c === EOF) throw new LexError("unexpected end of statement while looking for matching single-quote");
      if (c === "'") return this.opts.raw ? result + c : result;
      result += c;
    }
  }

  private doubleQuote(rawEscapes: boolean): string {
    const quote = this.next();
    let result = this.opts.raw ? quote : "";
    for (;;) {
      const p = this.peek();
      if (p === EOF) throw new LexError("unexpected end of statement while looking for matching double-quote");
      if (p === '"') {
        this.next();
        return this.opts.raw ? result + p : result;
      }
      if (p === "$") {
        result += this.dollar();
        continue;
      }
      let c = this.next();
      if (c === ESCAPE) {
        if (rawEscapes) result += c;
        const n = this.peek();
        if (n === EOF) continue;
        if (n === '"' || n === "$" || n === ESCAPE) c = this.next();
      }
      result += c;
    }
  }

  /** `$name`, `${name}` and `${name<op>word}`, all unset: kept as written, or a syntax error. */
  private dollar(): string {
    this.next();
    if (this.peek() !== "{") {
      const name = this.name();
      return name === "" ? "$" : `$${name}`;
    }
    this.next();
    const first = this.peek();
    if (first === EOF) throw new LexError("syntax error: missing '}'");
    if ("{}:".includes(first)) throw new LexError("syntax error: bad substitution");
    const name = this.name();
    let c = this.next();
    let op = c;
    if (c === "}") return `\${${name}}`;
    if (c === "/") {
      if (this.peek() === "/") this.next();
      const pattern = this.nested("/", true, "syntax error: missing '/' in ${}");
      const replacement = this.nested("}", true, "syntax error: missing '}'");
      return `\${${name}/${pattern}/${replacement}}`;
    }
    const nullIsUnset = c === ":";
    if (nullIsUnset) {
      c = this.next();
      op += c;
    }
    if (!nullIsUnset && !"+-?#%".includes(c || "x")) throw new LexError(`unsupported modifier (${op}) in substitution`);
    const rawEscapes = c === "#" || c === "%";
    if (nullIsUnset && rawEscapes) throw new LexError(`unsupported modifier (${op}) in substitution`);
    const word = this.nested("}", rawEscapes, "syntax error: missing '}'");
    return `\${${name}${op}${word}}`;
  }

  private nested(stop: string, rawEscapes: boolean, atEnd: string): string {
    try {
      return this.stopOn(stop, rawEscapes).result;
    } catch (err) {
      if (err instanceof LexError && this.peek() === EOF) throw new LexError(atEnd);
      throw err;
    }
  }

  private name(): string {
    let name = "";
    for (let c = this.peek(); c !== EOF; c = this.peek()) {
      if (name === "" && /^\p{Nd}$/u.test(c)) {
        while (/^\p{Nd}$/u.test(this.peek())) name += this.next();
        return name;
      }
      if (name === "" && "@*#?-$!0".includes(c)) return this.next();
      if (!/^[\p{L}\p{Nd}_]$/u.test(c)) break;
      name += this.next();
    }
    return name;
  }
}
