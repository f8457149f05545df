// Every mistake a user can make with BUNDLE fails the build with one clear line and a snippet
// pointing at the BUNDLE's line.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { docker, requireFrontendImage } from "./docker.js";

const HEADER = `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build
RUN echo not a program > /notes.txt

FROM scratch`;
const BUNDLE_LINE = 6;
// Entries that can never run, made in the build stage (still 6 lines before the BUNDLE).
const ODD = HEADER.replace(
  "RUN echo not a program > /notes.txt",
  "RUN mkdir /odd && cd /odd && mkfifo fifo && ln -s /opt/gone dangling && touch empty && echo 'echo hi' > text && printf '#!/bin/sh\\r\\necho hi\\r\\n' > crlf && " +
    "echo '#!/odd/s2' > s1 && echo '#!/odd/s1' > s2 && head -c 100 /usr/bin/sort > truncated && chmod +x empty text crlf s1 s2 truncated",
);

interface Case {
  name: string;
  bundle: string;
  /** Fragments of the error report, in order. */
  expect: (string | RegExp)[];
  header?: string;
  /** More `docker buildx build` arguments. */
  args?: string[];
}

const cases: Case[] = [
  { name: "an unknown flag", bundle: "BUNDLE --from=build --bogus /usr/bin/sort", expect: ["ERROR: failed to solve: BUNDLE: unknown flag --bogus"] },
  { name: "a flag without its value", bundle: "BUNDLE --from=build --trace /usr/bin/sort", expect: ["BUNDLE: --trace needs a value: --trace=<value>"] },
  { name: "a bad duration", bundle: "BUNDLE --from=build --trace-timeout=soon /usr/bin/sort", expect: ['BUNDLE: --trace-timeout: "soon" is not a duration such as 500ms, 30s or 2m'] },
  { name: "a single-valued flag twice", bundle: "BUNDLE --from=build --from=debian:bookworm-slim /usr/bin/sort", expect: ["BUNDLE: --from is given twice: it takes one value"] },
  { name: "a --mkdir with a field after its mode", bundle: "BUNDLE --from=build --mkdir=/data:0755:x /usr/bin/sort", expect: ['BUNDLE: --mkdir wants <path>[:mode], got "/data:0755:x"'] },
  { name: "a trace flag without --trace", bundle: "BUNDLE --from=build --trace-stdin=x /usr/bin/sort", expect: ["BUNDLE: --trace-stdin needs a --trace command"] },
  { name: "a --test with an unterminated quote", bundle: `BUNDLE --from=build --test="sort 'x" /usr/bin/sort`, expect: ["BUNDLE: --test: unterminated ' quote in: sort 'x"] },
  { name: "no --from", bundle: "BUNDLE /usr/bin/sort", expect: ["BUNDLE: --from=<stage|image> is required"] },
  { name: "no entries", bundle: "BUNDLE --from=build", expect: ["BUNDLE: no entries: name the programs to bundle"] },
  { name: "an unknown stage", bundle: "BUNDLE --from=biuld /usr/bin/sort", expect: ["BUNDLE: --from=biuld is neither a stage of this Dockerfile (build) nor an image that can be resolved"] },
  { name: "a missing entry", bundle: "BUNDLE --from=build /usr/bin/nope", expect: ["BUNDLE: entry /usr/bin/nope does not exist in the source"] },
  { name: "an entry that is not executable", bundle: "BUNDLE --from=build /notes.txt", expect: ["BUNDLE: entry /notes.txt is not executable"] },
  { name: "a name not on PATH", bundle: "BUNDLE --from=build nope", expect: ["BUNDLE: entry nope is not an executable file on the source's PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)"] },
  { name: "a directory entry", bundle: "BUNDLE --from=build /usr/bin", expect: ["BUNDLE: entry /usr/bin is a directory, not a program"] },
  { name: "a FIFO entry", header: ODD, bundle: "BUNDLE --from=build /odd/fifo", expect: ["BUNDLE: entry /odd/fifo is a special file (FIFO, socket or device), not a program"] },
  { name: "a dangling symlink entry", header: ODD, bundle: "BUNDLE --from=build /odd/dangling", expect: ["BUNDLE: entry /odd/dangling is a symlink to /opt/gone, which does not exist in the source"] },
  { name: "an empty entry", header: ODD, bundle: "BUNDLE --from=build /odd/empty", expect: ["BUNDLE: entry /odd/empty is an empty file: the kernel cannot run it"] },
  { name: "an executable text file without #!", header: ODD, bundle: "BUNDLE --from=build /odd/text", expect: ["BUNDLE: entry /odd/text is neither an ELF program nor a script starting with #!: the kernel cannot run it (exec format error)"] },
  { name: "a CRLF #! line", header: ODD, bundle: "BUNDLE --from=build /odd/crlf", expect: ['BUNDLE: entry /odd/crlf: the #! line of /odd/crlf ends in a carriage return (CRLF line endings): the kernel looks for "/bin/sh\\r"'] },
  { name: "a #! loop", header: ODD, bundle: "BUNDLE --from=build /odd/s1", expect: ["BUNDLE: entry /odd/s1: its #! interpreters run in a loop: /odd/s1 → /odd/s2 → /odd/s1"] },
  { name: "a truncated ELF entry", header: ODD, bundle: "BUNDLE --from=build /odd/truncated", expect: ["BUNDLE: entry /odd/truncated: /odd/truncated is a damaged ELF file (truncated ELF program headers): the kernel cannot run it"] },
  { name: "a --compress value that is not upx", bundle: "BUNDLE --from=build --compress=gzip /usr/bin/sort", expect: ['ERROR: failed to solve: BUNDLE: --compress must be upx or upx:<level 1-9>, got "gzip"'] },
  { name: "a duration that rounds to no time", bundle: "BUNDLE --from=build --trace-timeout=0.4ms /usr/bin/sort", expect: ['BUNDLE: --trace-timeout: "0.4ms" is less than 1ms'] },
  {
    name: "a default limit of no time",
    bundle: "BUNDLE --from=build /usr/bin/sort",
    args: ["--build-arg", "SIDEBUNDLE_TIMEOUT=0s"],
    expect: ['ERROR: failed to solve: BUNDLE: SIDEBUNDLE_TIMEOUT: "0s" is less than 1ms'],
  },
  {
    name: "a failing trace command",
    bundle: `BUNDLE --from=build --trace="sort --no-such-option" /usr/bin/sort`,
    // The user's command, not the tracer's, with the end of its stderr (its step may be cached).
    expect: [`ERROR: failed to solve: BUNDLE: --trace "sort --no-such-option" exited with status 2; its error output ended with "sort: unrecognized option '--no-such-option'\\nTry 'sort --help' for more information.\\n"\n`],
  },
  {
    name: "a trace that never exits",
    bundle: `BUNDLE --from=build --trace="sleep 100000" /usr/bin/sleep`,
    // A lower default limit than the 10 minutes, long enough to show the trace is alive (which a
    // cached step would not).
    args: ["--build-arg", "SIDEBUNDLE_TIMEOUT=12s", "--no-cache"],
    expect: [
      /\[sidebundle 1\/3\] trace: sleep 100000\n#\d+ [\d.]+ sidebundle-trace: still running after 10 s, \d+ events\n/,
      'ERROR: failed to solve: BUNDLE: --trace "sleep 100000" did not finish within 12s; a command that runs on (a server) needs --trace-timeout=<duration>, which stops it then and keeps what it touched',
    ],
  },
  {
    name: "a test that never exits",
    bundle: `BUNDLE --from=build --trace="sleep 0" --test="sleep 100000" --test-timeout=2s /usr/bin/sleep`,
    expect: ['ERROR: failed to solve: BUNDLE: --test "sleep 100000" did not finish within 2s; give it longer with --test-timeout=<duration>'],
  },
  {
    name: "a shell-form test whose pipeline fails",
    bundle: `BUNDLE --from=build --test="sort --version | grep -q 9.9" /usr/bin/sort /usr/bin/grep`,
    expect: ['ERROR: failed to solve: BUNDLE: --test "sort --version | grep -q 9.9" exited with status 1\n'],
  },
  {
    name: "a --mkdir where the bundle has a file",
    bundle: "BUNDLE --from=build --mkdir=/usr/bin/sort/data:700 /usr/bin/sort",
    expect: ["ERROR: failed to solve: BUNDLE: --mkdir=/usr/bin/sort/data: /usr/bin/sort is a file of the bundle, not a directory"],
  },
  {
    name: "a --test whose output differs",
    bundle: `BUNDLE --from=build --test="sort --version" --test-stdout="sort 0.0" /usr/bin/sort`,
    expect: [/BUNDLE: --test "sort --version" printed ".*sort \(GNU coreutils\).*", expected "sort 0.0"/],
  },
  {
    name: "a --test that needs files the bundle lacks",
    bundle: `BUNDLE --from=build --trace="cat /etc/hostname" --test="cat /notes.txt" /usr/bin/cat`,
    expect: [
      `BUNDLE: --test "cat /notes.txt" exited with status 1; its error output ended with "cat: /notes.txt: No such file or directory\\n"; missing from the bundle but present in the source: /notes.txt (add them with --include or a --trace that uses them)\n`,
    ],
  },
  {
    name: "a setuid program in a portable bundle",
    bundle: "BUNDLE --from=build --layout=portable /usr/bin/passwd",
    expect: ["BUNDLE: /usr/bin/passwd is setuid/setgid: the loader ignores library paths in secure mode, so it cannot run from a portable bundle"],
  },
  {
    name: "a portable bundle for a platform the image has no launcher for",
    bundle: "BUNDLE --from=build --layout=portable /usr/bin/sort",
    args: ["--platform", "linux/s390x"],
    expect: [/ERROR: failed to solve: BUNDLE: this frontend image has no portable launcher for linux\/s390x \(it has: linux\/[^)]*\)\n/],
  },
  { name: "an excluded entry", bundle: "BUNDLE --from=build --exclude=/usr/bin /usr/bin/sort", expect: ["BUNDLE: --exclude=/usr/bin removes the entry /usr/bin/sort"] },
  { name: "an empty --include", bundle: "BUNDLE --from=build --include= /usr/bin/sort", expect: ["BUNDLE: --include wants a path or glob, got an empty value"] },
  {
    name: "an excluded library with --strict",
    bundle: "BUNDLE --from=build --strict --exclude='**/libc.so.6' /usr/bin/sort",
    expect: [/BUNDLE: --strict: unresolved: \S*\/libc\.so\.6 \(elf-needed libc\.so\.6 by \/usr\/bin\/sort\) is removed by --exclude=\*\*\/libc\.so\.6/],
  },
  {
    name: "an unresolved library with --strict",
    header: HEADER.replace("RUN echo", "RUN apt-get update && apt-get install -y --no-install-recommends jq && rm /usr/lib/x86_64-linux-gnu/libonig.so.5* && echo"),
    bundle: "BUNDLE --from=build --strict /usr/bin/jq",
    expect: [/BUNDLE: --strict: unresolved: libonig\.so\.5 needed by \S*libjq/],
  },
];

beforeAll(requireFrontendImage);

describe("BUNDLE warnings", () => {
  it("reports an unresolved library as a build warning at the BUNDLE's line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-warn-"));
    const header = cases.at(-1)!.header!;
    writeFileSync(join(dir, "Dockerfile"), `${header}\nBUNDLE --from=build /usr/bin/jq\n`);
    const run = await docker(["buildx", "build", "--progress=plain", dir]);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    expect(run.stderr).toMatch(/warning found[^]*BUNDLE: unresolved: libonig\.so\.5 needed by/);
  });
});

describe("BUNDLE warnings: nothing dropped silently", () => {
  it("an --include that matches nothing, an --exclude of what the programs need", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-warn-"));
    writeFileSync(join(dir, "Dockerfile"), `${HEADER}\nBUNDLE --from=build --include='/opt/*.conf' --exclude='**/libc.so.6' /usr/bin/sort\n`);
    const run = await docker(["buildx", "build", "--progress=plain", dir]);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    expect(run.stderr).toMatch(/warnings found[^]*BUNDLE: --include=\/opt\/\*\.conf matches nothing in the source/);
    expect(run.stderr).toMatch(/warnings found[^]*BUNDLE: unresolved: \S*\/libc\.so\.6 \(elf-needed libc\.so\.6 by \/usr\/bin\/sort\) is removed by --exclude=\*\*\/libc\.so\.6/);
  });
});

describe.each(cases)("BUNDLE errors: $name", (c) => {
  it("fails with one line naming the cause and the BUNDLE's line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-err-"));
    writeFileSync(join(dir, "Dockerfile"), `${c.header ?? HEADER}\n${c.bundle}\n`);
    const run = await docker(["buildx", "build", "--progress=plain", ...(c.args ?? []), dir]);
    expect(run.code).not.toBe(0);
    let rest = run.stderr;
    for (const fragment of c.expect) {
      const at = typeof fragment === "string" ? rest.indexOf(fragment) : rest.search(fragment);
      expect(at, `${fragment} in:\n${run.stderr.slice(-2500)}`).toBeGreaterThanOrEqual(0);
      rest = rest.slice(at);
    }
    expect(run.stderr).toContain(`Dockerfile:${BUNDLE_LINE}`);
    expect(run.stderr).toMatch(new RegExp(` ${BUNDLE_LINE} \\| >>> BUNDLE `));
    expect(run.stderr).not.toMatch(/\n\s+at .*\.(m?js|ts):\d+/); // no stack traces
    // Neither the tracer's command line nor a path on the engine's host.
    expect(run.stderr).not.toMatch(/sidebundle-tools|sidebundle-trace --|overlay2|\/var\/lib\//);
  });
});
