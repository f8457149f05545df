import { describe, expect, it } from "vitest";
import { duration, formatDuration, parseBundle } from "../../frontend/dockerfile/bundle-spec.js";
import { DockerfileSyntaxError, parseDockerfile } from "../../frontend/dockerfile/parse.js";
import { rewriteBundles } from "../../frontend/dockerfile/rewrite.js";
import { shellWords } from "../../frontend/dockerfile/words.js";
import { FrontendError } from "../../frontend/gateway/errors.js";

const parse = (text: string) => parseDockerfile("Dockerfile", Buffer.from(text));

describe("parseDockerfile", () => {
  const df = parse(
    [
      "# syntax=sidebundle/frontend",
      "FROM debian AS Build",
      "# a comment",
      "RUN <<EOF",
      "echo BUNDLE --from=x /not/an/instruction",
      "EOF",
      "COPY <<-A <<B /dst/",
      "\tfrom a",
      "\tA",
      "from b",
      "B",
      "",
      "from scratch",
      "BUNDLE --from=build \\",
      "  # comments inside continuations are dropped",
      '  --trace="jq --version" \\',
      "  /usr/bin/jq",
      "ENV X=1",
      "",
    ].join("\n"),
  );

  it("finds instructions with their first and last lines, heredoc bodies included", () => {
    expect(df.instructions.map((i) => [i.keyword, i.startLine, i.endLine])).toEqual([
      ["FROM", 2, 2],
      ["RUN", 4, 6],
      ["COPY", 7, 11],
      ["FROM", 13, 13],
      ["BUNDLE", 14, 17],
      ["ENV", 18, 18],
    ]);
  });

  it("joins continuation lines and knows stages by lower-cased name", () => {
    const bundle = df.instructions[4];
    expect(bundle.args).toBe('--from=build   --trace="jq --version"   /usr/bin/jq');
    expect(bundle.stage).toBe(1);
    expect(df.stages).toEqual([
      { index: 0, name: "build", base: "debian", line: 2 },
      { index: 1, name: undefined, base: "scratch", line: 13 },
    ]);
  });

  it("honours the escape directive", () => {
    const win = parse("# escape=`\nFROM scratch\nBUNDLE --from=b `\n  /x\n");
    expect(win.escape).toBe("`");
    expect(win.instructions[1]).toMatchObject({ keyword: "BUNDLE", args: "--from=b   /x", startLine: 3, endLine: 4 });
  });
});

describe("parseDockerfile reads as BuildKit's parser does", () => {
  const ranges = (text: string) => parse(text).instructions.map((i) => [i.keyword, i.startLine, i.endLine]);

  it("starts an instruction at a bare escape line", () => {
    expect(ranges("FROM a\n\\\nRUN true\n\\\n")).toEqual([["FROM", 1, 1], ["RUN", 2, 3], ["", 4, 4]]);
  });

  it("opens heredocs only for a whole <<WORD word", () => {
    expect(ranges("FROM a\nRUN echo $((1<<FOO))\nBUNDLE --from=a /x\nRUN cat<<EOF\nRUN x <<\"E\nFROM b\n")).toEqual([
      ["FROM", 1, 1], ["RUN", 2, 2], ["BUNDLE", 3, 3], ["RUN", 4, 4], ["RUN", 5, 5], ["FROM", 6, 6],
    ]);
    expect(ranges("FROM a\nRUN 3<<-\"E\"x <<F cat\n\tEx\nF\nRUN [\"a\"] <<G\nG\n")).toEqual([["FROM", 1, 1], ["RUN", 2, 4], ["RUN", 5, 6]]);
    expect(ranges("FROM a\nONBUILD RUN <<E\nFROM b\nE\nRUN 'x <<E\n")).toEqual([["FROM", 1, 1], ["ONBUILD", 2, 4], ["RUN", 5, 5]]);
  });

  it("joins across empty and comment lines inside a continuation", () => {
    const df = parse("FROM a\nBUNDLE --from=a \\\n\n  # note\n   \n  /x\nRUN y\n");
    expect(df.instructions.map((i) => [i.keyword, i.startLine, i.endLine])).toEqual([["FROM", 1, 1], ["BUNDLE", 2, 6], ["RUN", 7, 7]]);
    expect(df.instructions[1].args).toBe("--from=a   /x");
  });

  it("reads a BOM, CRLF and the backtick escape", () => {
    const df = parse("\uFEFF# escape=`\r\nFROM a AS A\r\nBUNDLE --from=a `\r\n  /x\r\nRUN <<E\r\nE\r\nFROM b\r\n");
    expect(df.instructions.map((i) => [i.keyword, i.startLine, i.endLine])).toEqual([["FROM", 2, 2], ["BUNDLE", 3, 4], ["RUN", 5, 6], ["FROM", 7, 7]]);
    expect(df.stages.map((s) => s.name)).toEqual(["a", undefined]);
  });

  it("rejects what BuildKit rejects, with a typed error", () => {
    for (const text of ["FROM a\nRUN <<E\nx\n", "# escape=x\nFROM a\n", "#escape=`\n#escape=\\\nFROM a\n", 'FROM a\nRUN ["a", 1]\n']) {
      expect(() => parse(text)).toThrow(DockerfileSyntaxError);
    }
  });
});

describe("rewriteBundles", () => {
  it("keeps every line number: the first line replaced, the rest blank, unprocessed BUNDLEs blank", () => {
    const df = parse("FROM a AS s\nBUNDLE --from=s \\\n  /x\nFROM scratch\nBUNDLE --from=s /y\nRUN true\n");
    const out = rewriteBundles(df, new Map([[df.instructions[1], "COPY --from=ctx / /"]])).toString();
    expect(out.split("\n")).toEqual(["FROM a AS s", "COPY --from=ctx / /", "", "FROM scratch", "", "RUN true", ""]);
  });

  it("keeps every other byte, CRLF line endings included", () => {
    const text = "FROM a AS s\r\nBUNDLE --from=s \\\r\n  /x\r\nRUN <<E\r\nline\r\r\nE\r\nRUN \xff";
    const df = parseDockerfile("Dockerfile", Buffer.from(text, "latin1"));
    const out = rewriteBundles(df, new Map([[df.instructions[1], "COPY --from=ctx / /"]]));
    expect(out.toString("latin1")).toBe(text.replace("BUNDLE --from=s \\\r\n  /x", "COPY --from=ctx / /\r\n"));
  });
});

describe("shellWords", () => {
  it("splits like a POSIX shell, with the Dockerfile's escape character", () => {
    expect(shellWords(`--trace="python3 -c 'import json'" a\\ b 'c d' "e\\"f" ''`)).toEqual([
      "--trace=python3 -c 'import json'",
      "a b",
      "c d",
      'e"f',
      "",
    ]);
    expect(shellWords("a` b", "`")).toEqual(["a b"]);
    expect(() => shellWords(`--trace="open`)).toThrow('unterminated " quote');
  });
});

describe("parseBundle", () => {
  const bundle = (args: string) => {
    const df = parse(`FROM x AS build\nFROM scratch\nBUNDLE ${args}\n`);
    return parseBundle(df, df.instructions[2]);
  };

  it("reads every flag", () => {
    const spec = bundle(
      `--from=build --trace="jq ." --trace='["jq","-n","1"]' --trace-stdin='{}' --trace-env=A=1 --trace-timeout=1m30s ` +
        `--trace-workdir=/w --include='/a/**' --exclude=/a/b --mkdir=/tmp:1777 --mkdir=/run --install-to=/bin ` +
        `--test="jq --version" --test-stdin=x --test-stdout=jq-1.6 --strict --allow-gpu-libs --skip-rule=zoneinfo --skip-rule=plugins --env=none --layout=rootfs --package-metadata=none jq /usr/bin/python3`,
    );
    expect(spec).toEqual({
      from: "build",
      entries: ["jq", "/usr/bin/python3"],
      traces: [
        { text: "jq .", argv: ["/bin/sh", "-c", "jq ."], shell: true },
        { text: "jq -n 1", argv: ["jq", "-n", "1"], shell: false },
      ],
      traceStdin: "{}",
      traceEnv: ["A=1"],
      traceTimeout: 90_000,
      traceWorkdir: "/w",
      include: ["/a/**"],
      exclude: ["/a/b"],
      mkdir: [
        { path: "/tmp", mode: 0o1777 },
        { path: "/run", mode: 0o755 },
      ],
      installTo: "/bin",
      tests: [{ text: "jq --version", argv: ["/bin/sh", "-c", "jq --version"], shell: true }],
      testStdin: "x",
      testStdout: "jq-1.6",
      strict: true,
      allowGpuLibs: true,
      skipRules: ["zoneinfo", "plugins"],
      env: "none",
      layout: "rootfs",
      packageMetadata: "none",
      prefix: "/",
    });
    expect(bundle("--from=build jq").packageMetadata).toBe("dpkg");
    // As RUN reads it: only a JSON array is exec form; `[ ... ]` is the shell's test command.
    expect(bundle(`--from=build --test='[ -x /usr/bin/jq ]' --test='["jq"] x' jq`).tests).toEqual([
      { text: "[ -x /usr/bin/jq ]", argv: ["/bin/sh", "-c", "[ -x /usr/bin/jq ]"], shell: true },
      { text: '["jq"] x', argv: ["/bin/sh", "-c", '["jq"] x'], shell: true },
    ]);
    expect(bundle("--from=build --layout=portable --prefix=/opt/jq jq")).toMatchObject({ layout: "portable", prefix: "/opt/jq" });
    expect(bundle("--from=build --layout=single-file --prefix=/usr/local/bin jq")).toMatchObject({ layout: "single-file", prefix: "/usr/local/bin" });
    expect(bundle("--from=build jq").compress).toBeUndefined();
    expect(bundle("--from=build --compress jq").compress).toEqual({ tool: "upx" });
    expect(bundle("--from=build --compress=upx jq").compress).toEqual({ tool: "upx" });
    expect(bundle("--from=build --compress=upx:9 jq").compress).toEqual({ tool: "upx", level: 9 });
  });

  it.each([
    ["--from=build --bogus /x", "BUNDLE: unknown flag --bogus"],
    ["--from=build --trace /x", "BUNDLE: --trace needs a value: --trace=<value>"],
    ["--from=build --strict=yes /x", "BUNDLE: --strict takes no value"],
    ["/x", "BUNDLE: --from=<stage|image> is required"],
    ["--from=build", "BUNDLE: no entries: name the programs to bundle, e.g. /usr/bin/jq"],
    ["--from=build --env=all /x", 'BUNDLE: --env must be inherit or none, got "all"'],
    ["--from=build --mkdir=/x:rw /x", 'BUNDLE: --mkdir: "rw" is not an octal mode such as 755'],
    ["--from=build --mkdir=rel /x", 'BUNDLE: --mkdir wants an absolute path, got "rel"'],
    ["--from=build --trace-env=1A=b /x", 'BUNDLE: --trace-env wants KEY=VALUE, got "1A=b"'],
    [`--from=build --trace='["jq", 1]' /x`, `BUNDLE: --trace: a JSON command must be a non-empty array of strings: ["jq", 1]`],
    ["--from=build --from=other /x", "BUNDLE: --from is given twice: it takes one value"],
    ["--from=build --layout=rootfs --layout=portable /x", "BUNDLE: --layout is given twice: it takes one value"],
    ["--from=build --mkdir=/data:0755:x /x", 'BUNDLE: --mkdir wants <path>[:mode], got "/data:0755:x"'],
    ["--from=build --trace-stdin=x /x", "BUNDLE: --trace-stdin needs a --trace command"],
    ["--from=build --trace-env=A=1 /x", "BUNDLE: --trace-env needs a --trace command"],
    ["--from=build --test=true --trace-timeout=5s /x", "BUNDLE: --trace-timeout needs a --trace command"],
    ["--from=build --trace-workdir=/w /x", "BUNDLE: --trace-workdir needs a --trace command"],
    ["--from=build --test-stdin=x /x", "BUNDLE: --test-stdin needs a --test command"],
    [`--from=build --test="echo 'hi" /x`, `BUNDLE: --test: unterminated ' quote in: echo 'hi`],
    ["--from=build --test-stdout=x /x", "BUNDLE: --test-stdout needs a --test command"],
    ["--from=build --include= /x", "BUNDLE: --include wants a path or glob, got an empty value"],
    ["--from=build --exclude='' /x", "BUNDLE: --exclude wants a path or glob, got an empty value"],
    ["--from=build --layout=zip /x", 'BUNDLE: --layout must be rootfs, portable or single-file, got "zip"'],
    ["--from=build --package-metadata=rpm /x", 'BUNDLE: --package-metadata must be dpkg or none, got "rpm"'],
    [
      "--from=build --skip-rule=tz /x",
      'BUNDLE: --skip-rule: unknown rule "tz": the rules are zoneinfo, plugins, python-stdlib, python-packages, program-data, gconv, locale, nss, tls',
    ],
    ["--from=build --prefix=/opt/x /x", "BUNDLE: --prefix goes with --layout=portable or --layout=single-file"],
    ["--from=build --layout=portable --install-to=/bin /x", "BUNDLE: --install-to goes with --layout=rootfs: a portable bundle's entries are its own"],
    ["--from=build --layout=single-file --install-to=/bin /x", "BUNDLE: --install-to goes with --layout=rootfs: a single-file bundle's entries are its own"],
    ["--from=build --compress=gzip /x", 'BUNDLE: --compress must be upx or upx:<level 1-9>, got "gzip"'],
    ["--from=build --compress=upx:0 /x", 'BUNDLE: --compress must be upx or upx:<level 1-9>, got "upx:0"'],
    ["--from=build --compress --compress=upx:1 /x", "BUNDLE: --compress is given twice: it takes one value"],
    [
      "--from=build --compress --layout=portable /x",
      "BUNDLE: --compress goes with --layout=rootfs: a portable bundle's launchers run each program through the loader, which cannot load a upx-packed executable",
    ],
    [
      "--from=build --compress --layout=single-file /x",
      "BUNDLE: --compress goes with --layout=rootfs: a single-file bundle's launchers run each program through the loader, which cannot load a upx-packed executable",
    ],
  ])("rejects %s", (args, message) => {
    let err: unknown;
    try {
      bundle(args);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FrontendError);
    expect((err as FrontendError).message).toBe(message);
    expect((err as FrontendError).source?.ranges).toEqual([{ start: { line: 3 }, end: { line: 3 } }]);
  });
});

describe("duration", () => {
  it("reads Go-style durations", () => {
    const read = (v: string) => duration(v, "--trace-timeout");
    expect([read("500ms"), read("30s"), read("2m"), read("1h"), read("1.5s"), read("1m30s")]).toEqual([500, 30_000, 120_000, 3_600_000, 1500, 90_000]);
    for (const bad of ["", "5", "soon", "5 s", "-1s"]) expect(() => read(bad)).toThrow(`--trace-timeout: "${bad}" is not a duration such as 500ms, 30s or 2m`);
  });

  it("rejects a duration that rounds to no time, which the tracer would take for no limit", () => {
    for (const zero of ["0s", "0.4ms", "0.0001s"]) expect(() => duration(zero, "--test-timeout")).toThrow(`--test-timeout: "${zero}" is less than 1ms`);
    expect(duration("0.5ms", "--trace-timeout")).toBe(1);
  });

  it("is written back as it is read", () => {
    expect([600_000, 1500, 90_000, 1, 3_723_004].map(formatDuration)).toEqual(["10m", "1s500ms", "1m30s", "1ms", "1h2m3s4ms"]);
  });
});
