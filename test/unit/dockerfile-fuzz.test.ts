// Fuzzes the Dockerfile reader with seeded, generated files (dockerfile-gen.ts), whose every
// instruction's lines the generator knows; then the same files, mutated at random: the reader must
// return ranges that cover every non-blank, non-comment line, or a typed DockerfileSyntaxError,
// never anything else.
import { describe, expect, it } from "vitest";
import { DockerfileSyntaxError, parseDockerfile } from "../../frontend/dockerfile/parse.js";
import { generate, prng } from "./dockerfile-gen.js";

const FILES = 60_000;
const MUTANTS = 60_000;

/** Go's unicode.IsSpace, as the parser trims lines. */
const blankOrComment = (line: string) => /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(#|$)/.test(line);

function mutate(text: string, rand: () => number): string {
  const chars = [...text];
  const alphabet = ["\\", "`", "<", "<<", '"', "'", "$", "{", "}", "#", "\r", "\n", "\t", " ", "[", "]", "-", "E", "\uFEFF", "\u00a0", "\u0130", "\\\n", "<<EOF\n"];
  for (let m = 1 + Math.floor(rand() * 4); m > 0; m--) {
    const at = Math.floor(rand() * (chars.length + 1));
    const op = rand();
    if (op < 0.4) chars.splice(at, 0, alphabet[Math.floor(rand() * alphabet.length)]);
    else if (op < 0.7) chars.splice(at, 1 + Math.floor(rand() * 3));
    else chars.splice(at, 0, ...chars.slice(Math.floor(rand() * chars.length)).slice(0, 20));
  }
  return chars.join("");
}

describe("the Dockerfile reader, fuzzed", () => {
  it(`gives every instruction BuildKit's lines in ${FILES} generated Dockerfiles`, () => {
    const rand = prng(20261201);
    for (let n = 0; n < FILES; n++) {
      const { text, expected, stages } = generate(rand, { builtin: n % 6 === 0 });
      let df;
      try {
        df = parseDockerfile("Dockerfile", Buffer.from(text));
      } catch (err) {
        throw new Error(`file ${n}: ${(err as Error).message}\n${JSON.stringify(text)}`);
      }
      const got = df.instructions.map((i) => ({ keyword: i.keyword, start: i.startLine, end: i.endLine }));
      if (JSON.stringify(got) !== JSON.stringify(expected)) expect(`file ${n}: ${JSON.stringify(text)}\n${JSON.stringify(got)}`).toBe(JSON.stringify(expected));
      const names = df.stages.map((s) => s.name);
      if (JSON.stringify(names) !== JSON.stringify(stages)) expect({ n, text, names }).toEqual({ n, text, names: stages });
    }
  });

  it(`never fails with anything but a DockerfileSyntaxError on ${MUTANTS} mutated ones`, () => {
    const rand = prng(7);
    let rejected = 0;
    for (let n = 0; n < MUTANTS; n++) {
      const text = mutate(generate(rand).text, rand);
      let df;
      try {
        df = parseDockerfile("Dockerfile", Buffer.from(text));
      } catch (err) {
        if (!(err instanceof DockerfileSyntaxError)) throw new Error(`mutant ${n}: ${String(err)}\n${JSON.stringify(text)}`);
        rejected++;
        continue;
      }
      const lines = text.replace(/^\uFEFF/, "").split("\n");
      if (lines.at(-1) === "") lines.pop();
      const covered = new Set<number>();
      let last = 0;
      for (const ins of df.instructions) {
        if (!(ins.startLine > last && ins.endLine >= ins.startLine && ins.endLine <= lines.length)) {
          expect({ n, text, ins }).toBe("ranges in order, inside the file");
        }
        for (let l = ins.startLine; l <= ins.endLine; l++) covered.add(l);
        last = ins.endLine;
      }
      lines.forEach((line, i) => {
        if (!covered.has(i + 1) && !blankOrComment(line)) expect({ n, text, line: i + 1 }).toBe("a blank or comment line outside every instruction");
      });
    }
    // The mutations do produce files BuildKit rejects (unterminated heredocs, bad directives).
    expect(rejected).toBeGreaterThan(100);
    expect(rejected).toBeLessThan(MUTANTS / 2);
  });
});
