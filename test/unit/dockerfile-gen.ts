// Seeded generator of Dockerfiles that knows every instruction's lines, built by BuildKit's parser
// rules (moby/buildkit frontend/dockerfile/parser): continuations split anywhere (bare escape
// lines, empty and comment lines inside, `\\` that does not continue), comments, heredocs (<<-,
// quoted, fd-prefixed, `<< WORD`, openers ignored in CMD, in JSON form or on a line with an
// unterminated quote, bodies that look like instructions), look-alikes (`$((1<<X))`, `cat<<EOF`),
// `[` shell form, the backtick escape, BOMs, CRLF and mixed endings.

/** What the builtin frontend of the test engine must also accept, for an end-to-end sample. */
export interface Profile {
  /**
   * Only instructions dockerfile.v0 parses without complaint, a FROM first, a last instruction
   * `BUNDLE --from=a --bogus /x`, no `# syntax=` directive, and nothing older builtins read
   * otherwise: `<< WORD` (two words before BuildKit 0.21), a JSON array followed by more text
   * (exec form, the rest dropped, before BuildKit 0.15).
   */
  builtin?: boolean;
}

/** mulberry32: a small deterministic PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Expected {
  keyword: string;
  start: number;
  end: number;
}

export interface Generated {
  text: string;
  expected: Expected[];
  stages: (string | undefined)[];
}

const PLAIN = ["echo", "a", "/usr/bin/jq", "$((1<<FOO))", "cat<<EOF", "x<<y", "'single quoted'", '"double $HOME"', "a${B:-c}", "${X}", "[", "]", "&&", "1<2", "<", "héllo", "--flag", "$"];
const HEREDOC_CAPABLE = ["RUN", "COPY", "ADD", "ONBUILD RUN", "ONBUILD COPY"];
const OTHER = ["ENV A=1", "LABEL a=b", "CMD", "WORKDIR /w", "BUNDLE --from=a", "USER x", "EXPOSE 80"];
const OPENERS: { word: (name: string) => string; chomp: boolean }[] = [
  { word: (n) => `<<${n}`, chomp: false },
  { word: (n) => `<<-${n}`, chomp: true },
  { word: (n) => `<<"${n}"`, chomp: false },
  { word: (n) => `<<'${n}'`, chomp: false },
  { word: (n) => `2<<${n}`, chomp: false },
  { word: (n) => `<<-"${n}"`, chomp: true },
  { word: (n) => `<< ${n}`, chomp: false },
];
const POISON = ['"open', "'open", "${X"];
const BODY = ["hello", "FROM x", "RUN y \\", "# not a comment", "\\", "`", "", "  ", "<<EOF", "EOFx"];

export function generate(rand: () => number, profile: Profile = {}): Generated {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T,>(a: readonly T[]): T => a[int(a.length)];
  const chance = (p: number) => rand() < p;
  const escape = chance(0.3) ? "`" : "\\";
  const crlf = chance(0.3);
  const mixed = chance(0.1);
  const lines: string[] = [];
  const expected: Expected[] = [];
  const stages: (string | undefined)[] = [];
  const randomCase = (s: string) => (chance(0.3) ? s.toLowerCase() : chance(0.2) ? s[0] + s.slice(1).toLowerCase() : s);
  const filler = () => pick(["", "  ", "\t", "# a comment", "  # indented", `# ends with the escape ${escape}`, "#"]);

  if (escape === "`" || chance(0.2)) {
    const directives = [`#${pick(["", " "])}${pick(["escape", "ESCAPE"])}${pick(["=", " = "])}${escape}`];
    if (!profile.builtin && chance(0.5)) directives.push("# syntax=docker/dockerfile:1");
    if (chance(0.5)) directives.reverse();
    lines.push(...directives);
  }
  const count = 1 + int(10) + (profile.builtin ? 2 : 0);
  const plain = profile.builtin ? PLAIN.filter((w) => w !== "--flag") : PLAIN;
  const openers = profile.builtin ? OPENERS.slice(0, -1) : OPENERS;
  let dangling = false;
  for (let n = 0; n < count; n++) {
    for (let f = int(3); f > 0; f--) lines.push(filler());
    let keyword: string;
    const tokens: string[] = [];
    let heredocs: { name: string; chomp: boolean }[] = [];
    if (profile.builtin && n === count - 1) {
      keyword = "BUNDLE";
      tokens.push("BUNDLE", "--from=a", "--bogus", "/x");
    } else if (!(profile.builtin && n === 0) && chance(0.45)) {
      keyword = pick(profile.builtin ? ["RUN", "ONBUILD RUN"] : HEREDOC_CAPABLE);
      tokens.push(...keyword.split(" ").map(randomCase));
      if (chance(0.2)) tokens.push("--mount=type=cache,target=/x");
      if (chance(0.1)) tokens.push(pick(profile.builtin ? ["[ -f x ] &&"] : ['["sh", "-c", "x"]', "[ -f x ] &&", '["a"]']));
      let poisoned = false;
      for (let w = int(6) + (profile.builtin ? 1 : 0); w > 0; w--) {
        if (chance(0.3)) {
          const opener = pick(openers);
          const name = pick(["EOF", "END", "X1", "_z"]);
          tokens.push(opener.word(name));
          heredocs.push({ name, chomp: opener.chomp });
        } else tokens.push(pick(plain));
      }
      if (chance(0.1)) {
        tokens.push(pick(POISON));
        poisoned = true;
      }
      // A JSON array is exec form only when it is all there is after the flags.
      const json = tokens.some((t) => t.startsWith('["sh"')) && tokens.at(-1)!.startsWith('["sh"');
      if (poisoned || json) heredocs = [];
      keyword = keyword.split(" ")[0];
    } else if ((profile.builtin && n === 0) || chance(0.2)) {
      keyword = "FROM";
      const name = chance(0.6) ? pick(["Build", "a", "b", "final"]) : undefined;
      tokens.push(randomCase("FROM"), pick(["debian", "scratch", "a"]));
      if (name) tokens.push(pick(["AS", "as"]), name);
      stages.push(name?.toLowerCase());
    } else {
      const [kw, ...rest] = pick(profile.builtin ? OTHER.filter((o) => !/^(ENV|LABEL|BUNDLE)/.test(o)) : OTHER).split(" ");
      keyword = kw;
      tokens.push(randomCase(kw), ...rest);
      for (let w = int(4); w > 0; w--) tokens.push(pick([...plain, "<<EOF"]));
    }
    if (!heredocs.length && keyword !== "FROM" && !tokens.at(-1)!.startsWith("'open") && !tokens.at(-1)!.startsWith('"open') && chance(0.1)) {
      tokens.push(escape + escape); // an escaped escape at the end does not continue
    }
    // Split into lines: some chunks empty (a bare escape line), the last one never.
    const chunks: string[][] = [[]];
    if (chance(0.1)) chunks.push([]);
    for (const t of tokens) {
      if (chunks.at(-1)!.length && chance(0.3)) chunks.push([]);
      if (chance(0.05)) chunks.push([]);
      chunks.at(-1)!.push(t);
    }
    const start = lines.length + 1;
    dangling = n === count - 1 && !heredocs.length && chance(0.1);
    // Continuation lines are joined as they are: words stay apart only with a blank between.
    let needBlank = false;
    chunks.forEach((chunk, i) => {
      const indent = i === 0 ? (chance(0.2) ? pick([" ", "\t"]) : "") : needBlank || chance(0.5) ? pick(["  ", "\t"]) : "";
      const text = chunk.join(pick([" ", "\t", "  "]));
      if (text) needBlank = false;
      if (i < chunks.length - 1 || dangling) {
        // `\\\` does not continue: BuildKit's regex cannot see that the first two are one.
        const blank = text && (chance(0.7) || text.endsWith(escape)) ? pick([" ", "\t"]) : "";
        if (text && !blank) needBlank = true;
        lines.push(indent + text + blank + escape + pick(["", " ", "\t ", "  "]));
        if (i < chunks.length - 1 && chance(0.3)) for (let f = 1 + int(2); f > 0; f--) lines.push(filler());
      } else lines.push(indent + text + pick(["", "", " ", "\t"]));
    });
    for (const { name, chomp } of heredocs) {
      for (let b = int(4); b > 0; b--) {
        const body = pick([...BODY, `\t${name}`, `${name} `]);
        if (body === name || (chomp && body.replace(/^\t+/, "") === name)) continue;
        lines.push(body);
      }
      lines.push((chomp ? "\t".repeat(int(3)) : "") + name);
    }
    if (dangling) for (let f = int(3); f > 0; f--) lines.push(filler());
    expected.push({ keyword, start, end: lines.length });
  }
  if (!dangling) for (let f = int(3); f > 0; f--) lines.push(filler());
  const ending = () => (mixed ? pick(["\n", "\r\n", "\r\r\n"]) : crlf ? "\r\n" : "\n");
  let text = lines.map((l, i) => l + (i < lines.length - 1 || l === "" || chance(0.8) ? ending() : "")).join("");
  if (chance(0.2)) text = "\uFEFF" + text;
  return { text, expected, stages };
}

