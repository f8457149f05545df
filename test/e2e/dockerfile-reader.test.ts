// The Dockerfile is read as BuildKit's builtin frontend reads it: the same files build, and an
// instruction has the same lines, through sidebundle and through the builtin on the same engine.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generate, prng } from "../unit/dockerfile-gen.js";
import { docker, dockerOk, requireFrontendImage, tarEntries, type Run } from "./docker.js";

const SYNTAX = "# syntax=sidebundle/frontend";
const BUILTIN = "# the builtin frontend, as is";

type Frontend = "sidebundle" | "builtin";

// This engine's builtin frontend does not see `# syntax=` after a BOM: the build argument does.
const OURS = ["--build-arg", "BUILDKIT_SYNTAX=sidebundle/frontend"];

/** Writes the Dockerfile (its SYNTAX line replaced for the builtin) and builds it. */
async function build(text: string, frontend: Frontend, args: string[]): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), `sb-reader-${frontend}-`));
  writeFileSync(join(dir, "Dockerfile"), frontend === "builtin" ? text.replace(SYNTAX, BUILTIN) : text);
  return docker(["buildx", "build", "--progress=plain", ...(frontend === "sidebundle" ? OURS : []), ...args, dir]);
}

async function exportTar(text: string, frontend: Frontend) {
  const tar = join(mkdtempSync(join(tmpdir(), "sb-reader-tar-")), "out.tar");
  const run = await build(text, frontend, ["--output", `type=tar,dest=${tar}`]);
  expect(run.code, run.stderr.slice(-3000)).toBe(0);
  if (frontend === "sidebundle") expect(run.stderr).toContain("sidebundle: pass");
  return tarEntries(tar);
}

/** The lines the client's error snippet marks with >>>. */
function markedLines(run: Run): number[] {
  return [...run.stderr.matchAll(/^\s*(\d+) \| >>>/gm)].map((m) => Number(m[1]));
}

beforeAll(requireFrontendImage);

describe("a plain Dockerfile with BuildKit's odd corners", () => {
  // A bare `\` line starting an instruction, an arithmetic shift that is no heredoc, an empty
  // line inside a continuation, `[` in shell form, CRLF line endings.
  const text = [
    SYNTAX,
    "FROM debian:bookworm-slim",
    "\\",
    "RUN echo $((1<<FOO)) > /n",
    "RUN [ -s /n ] && echo joined \\",
    "",
    "  > /joined",
    "COPY <<EOF /notes.txt",
    "one",
    "EOF",
    "",
  ].join("\r\n");

  it("builds the same files through sidebundle as through the builtin frontend", async () => {
    const builtin = await exportTar(text, "builtin");
    const ours = await exportTar(text, "sidebundle");
    expect(builtin.find((e) => e.name === "joined")).toBeDefined();
    expect(ours).toEqual(builtin);
  });
});

describe("a Dockerfile whose BUNDLE follows those corners", () => {
  const lines = [
    `\uFEFF${SYNTAX}`,
    "FROM debian:bookworm-slim AS build",
    "RUN echo $((1<<FOO)) > /n",
    "RUN [ -s /n ] && echo checked > /checked",
    "FROM scratch",
    "COPY <<EOF /notes.txt",
    "one",
    "two",
    "EOF",
    "\\",
    `BUNDLE --from=build --trace="sort --version" \\`,
    "",
    "  /usr/bin/sort",
    "COPY --from=build /n /checked /",
    "",
  ];
  const ours = lines.join("\r\n");
  // The builtin cannot read BUNDLE: the same file with those lines blank.
  const builtin = lines.map((l, i) => (i >= 9 && i <= 12 ? "" : l)).join("\r\n");

  it("runs the BUNDLE, and every other file is the builtin's, heredoc CRLF included", async () => {
    const theirs = await exportTar(builtin, "builtin");
    const entries = await exportTar(ours, "sidebundle");
    for (const entry of theirs) expect(entries.find((e) => e.name === entry.name)).toEqual(entry);
    expect(entries.map((e) => e.name)).toContain("usr/bin/sort");
  });

  it("gives an image whose bundled program runs, traced and untraced", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-reader-img-"));
    writeFileSync(join(dir, "Dockerfile"), ours);
    const tag = "sidebundle-e2e/reader:latest";
    await dockerOk(["buildx", "build", ...OURS, "--load", "--tag", tag, dir]);
    expect((await dockerOk(["run", "--rm", tag, "/usr/bin/sort", "--version"])).stdout).toMatch(/^sort \(GNU coreutils\)/);
    expect((await dockerOk(["run", "--rm", "-i", tag, "/usr/bin/sort", "-r"], { input: "a\nc\nb\n" })).stdout).toBe("c\nb\na\n");
    expect((await dockerOk(["run", "--rm", tag, "/usr/bin/sort", "/notes.txt"])).stdout).toBe("one\r\ntwo\r\n");
  });
});

describe("instruction lines", () => {
  // Each BUNDLE fails at once (an unknown flag), at the lines we read; the builtin fails at the
  // same instruction (unknown instruction BUNDLE), at the lines it reads.
  const cases: { name: string; lines: string[]; eol?: string }[] = [
    {
      name: "empty and comment lines inside a continuation",
      lines: ["FROM scratch", "BUNDLE --from=a \\", "", "  # note \\", "   ", "  --bogus \\", "  /x", "COPY a /"],
    },
    { name: "a bare escape line", lines: ["FROM scratch", "\\", "BUNDLE --from=a --bogus \\", "  /x", "COPY a /"] },
    {
      name: "heredocs, and what only looks like one",
      lines: ["FROM scratch", "RUN echo $((1<<FOO)) cat<<EOF <<-A 2<<'B'", "\tFROM x", "\tA", "BUNDLE --from=a", "B", "BUNDLE --from=a --bogus /x \\\\", "COPY a /"],
    },
    {
      name: "the backtick escape, a BOM and CRLF",
      lines: ["\uFEFF# escape=`", SYNTAX, "FROM scratch", "BUNDLE --from=a `", "  --bogus `", "`", "  /x", "COPY a /"],
      eol: "\r\n",
    },
  ];

  it.each(cases)("are the builtin's: $name", async (c) => {
    const withSyntax = c.lines.includes(SYNTAX) ? c.lines : [SYNTAX, ...c.lines];
    const text = withSyntax.join(c.eol ?? "\n") + (c.eol ?? "\n");
    const builtin = await build(text, "builtin", []);
    const ours = await build(text, "sidebundle", []);
    expect(builtin.stderr).toContain("unknown instruction: BUNDLE");
    expect(ours.stderr).toContain("BUNDLE: unknown flag --bogus");
    expect(markedLines(builtin).length).toBeGreaterThan(0);
    expect(markedLines(ours)).toEqual(markedLines(builtin));
  });
});

describe("generated Dockerfiles (test/unit/dockerfile-gen.ts), a seeded sample", () => {
  // Each ends with `BUNDLE --from=a --bogus /x`, whose lines depend on how everything before it
  // was read; the builtin reports it as an unknown instruction, at the lines it reads.
  const rand = prng(2026);
  const sample = Array.from({ length: 24 }, (_, n) => ({ n, ...generate(rand, { builtin: true }) }));

  it.each(sample)("file $n: the BUNDLE has the generator's lines, and the builtin's", async ({ text, expected }) => {
    const bundle = expected.at(-1)!;
    const lines = Array.from({ length: bundle.end - bundle.start + 1 }, (_, i) => bundle.start + i);
    const builtin = await build(text, "builtin", []);
    const ours = await build(text, "sidebundle", []);
    expect(builtin.stderr, JSON.stringify(text)).toContain("unknown instruction: BUNDLE");
    expect(ours.stderr, JSON.stringify(text)).toContain("BUNDLE: unknown flag --bogus");
    expect(markedLines(builtin), JSON.stringify(text)).toEqual(lines);
    expect(markedLines(ours), JSON.stringify(text)).toEqual(lines);
  });
});

describe("a Dockerfile BuildKit's parser rejects", () => {
  it("fails with the builtin frontend's message, BUNDLE or not", async () => {
    const text = [SYNTAX, "FROM debian:bookworm-slim AS build", "FROM scratch", "BUNDLE --from=build /usr/bin/sort", "RUN <<EOF", "echo never closed", ""].join("\n");
    const ours = await build(text, "sidebundle", []);
    const builtin = await build(text, "builtin", []);
    const error = (run: Run) => run.stderr.split("\n").find((l) => l.startsWith("ERROR: "));
    expect(ours.code).not.toBe(0);
    expect(error(builtin)).toMatch(/unterminated heredoc/);
    expect(error(ours)).toBe(error(builtin));
    expect(markedLines(ours)).toEqual(markedLines(builtin));
  });
});
