// `sidebundle bundle` on this machine's own root, no Docker: the host's jq (traced) and sort (not
// traced) bundled, then run in a chroot of the rootfs bundle and from the portable bundle, each in
// the traced use and in ordinary uses the trace did not show (another filter, a time zone).
// Also the command line's contract: --help, one-line errors and their exit statuses, progress.
import { lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { outDir, requireBuiltCli, run, sidebundle, type Run } from "./helpers.js";

const PLAIN = { PATH: "/usr/bin:/bin" };
const uses = [
  { name: "the traced use", argv: ["jq", "--version"] },
  { name: "a filter", argv: ["jq", "-c", ".a | map(. * 2)"], input: '{"a":[1,2,3]}' },
  { name: "another time zone", argv: ["jq", "-nr", '0 | strflocaltime("%H:%M %Z")'], env: { TZ: "Asia/Tokyo" } },
  { name: "sort, untraced", argv: ["sort", "-n"], input: "10\n9\n100\n" },
];

/** What the host's own programs print. */
function onHost(u: (typeof uses)[number]): Run {
  return run(`/usr/bin/${u.argv[0]}`, u.argv.slice(1), { input: u.input, env: { ...PLAIN, ...u.env } });
}

let rootfs: string;
let portable: string;
let rootfsRun: Run;

beforeAll(() => {
  requireBuiltCli();
  rootfs = outDir("rootfs");
  rootfsRun = sidebundle(["bundle", "--trace", "jq --version", "/usr/bin/jq", "sort", "-o", rootfs]);
  portable = outDir("portable");
  expect(sidebundle(["bundle", "--layout=portable", "--trace", "jq --version", "/usr/bin/jq", "sort", "-o", portable])).toMatchObject({ code: 0 });
});

describe("sidebundle bundle on the host, rootfs", () => {
  it("succeeds quietly off a terminal: the traced command's output only", () => {
    expect(rootfsRun).toMatchObject({ code: 0, stdout: "" });
    expect(rootfsRun.stderr).toBe(onHost(uses[0]).stdout);
  });

  it.each(uses)("runs in a chroot of the bundle: $name", (u) => {
    const expected = onHost(u);
    expect(expected.code).toBe(0);
    const actual = run("/usr/sbin/chroot", [rootfs, `/usr/bin/${u.argv[0]}`, ...u.argv.slice(1)], { input: u.input, env: { ...PLAIN, ...u.env } });
    expect(actual).toEqual(expected);
  });

  it("writes the frontend's manifest, and files with the source's mode and time", () => {
    const manifest = JSON.parse(readFileSync(join(rootfs, ".sidebundle/manifest.lock"), "utf8"));
    expect(manifest).toMatchObject({ version: 1, source: "host", entries: ["/usr/bin/jq", "sort"] });
    const jq = manifest.paths.find((p: { path: string }) => p.path === "/usr/bin/jq");
    expect(jq.reasons).toContain("entry");
    const [bundled, host] = [lstatSync(join(rootfs, "usr/bin/jq")), lstatSync("/usr/bin/jq")];
    expect([bundled.mode, bundled.size, bundled.mtimeMs]).toEqual([host.mode, host.size, host.mtimeMs]);
    // What the bundle adds is dated 0 without SOURCE_DATE_EPOCH.
    expect(lstatSync(join(rootfs, ".sidebundle/manifest.lock")).mtimeMs).toBe(0);
    expect(lstatSync(join(rootfs, "tmp")).mode & 0o7777).toBe(0o1777);
  });
});

describe("sidebundle bundle on the host, portable", () => {
  it.each(uses)("runs from its launcher in another directory: $name", (u) => {
    const expected = onHost(u);
    const actual = run(join(portable, "bin", u.argv[0]), u.argv.slice(1), { input: u.input, env: { ...PLAIN, ...u.env }, cwd: tmpdir() });
    expect(actual).toEqual(expected);
  });

  it("has the portable layout: launchers, their configuration, the content store", () => {
    expect(readFileSync(join(portable, "launch/jq"), "utf8")).toMatch(/^loader=.*\nlibrary-path=.*\nprogram=\/usr\/bin\/jq\nargv0=\/usr\/bin\/jq\n$/);
    const manifest = JSON.parse(readFileSync(join(portable, "manifest.lock"), "utf8"));
    const jq = manifest.paths.find((p: { path: string }) => p.path === "/usr/bin/jq");
    expect(lstatSync(join(portable, "data", jq.sha256)).ino).toBe(lstatSync(join(portable, "payload/usr/bin/jq")).ino);
  });
});

describe("sidebundle bundle on the host, single-file", () => {
  let single: string;
  let cache: string;
  beforeAll(() => {
    single = outDir("single");
    cache = outDir("single-cache");
    expect(sidebundle(["bundle", "--layout=single-file", "--trace", "jq --version", "/usr/bin/jq", "sort", "-o", single])).toMatchObject({ code: 0 });
  });

  it("writes one file, the other entry a symlink to it", () => {
    expect(lstatSync(join(single, "jq")).isFile()).toBe(true);
    expect(readlinkSync(join(single, "sort"))).toBe("jq");
  });

  it.each(uses)("runs from another directory, unpacking into its cache: $name", (u) => {
    const expected = onHost(u);
    const actual = run(join(single, u.argv[0]), u.argv.slice(1), { input: u.input, env: { ...PLAIN, ...u.env, XDG_CACHE_HOME: cache }, cwd: tmpdir() });
    expect(actual).toEqual(expected);
  });
});

describe("sidebundle bundle on the host, other flags", () => {
  it("--mkdir, --install-to and SOURCE_DATE_EPOCH mean what they mean in BUNDLE", () => {
    const out = outDir("flags");
    const epoch = 1_000_000_000;
    const r = sidebundle(["bundle", "--mkdir=/var/empty:700", "--install-to", "/opt/tools", "-o", out, "sort"], { ...process.env, SOURCE_DATE_EPOCH: String(epoch) });
    expect(r).toMatchObject({ code: 0, stdout: "" });
    expect(lstatSync(join(out, "var/empty")).mode & 0o7777).toBe(0o700);
    expect(run("/usr/sbin/chroot", [out, "/opt/tools/sort"], { input: "b\na\n" })).toMatchObject({ code: 0, stdout: "a\nb\n" });
    // Nothing later than SOURCE_DATE_EPOCH; what the bundle adds is dated it.
    expect(lstatSync(join(out, ".sidebundle/manifest.lock")).mtimeMs).toBe(epoch * 1000);
    expect(lstatSync(join(out, "usr/bin/sort")).mtimeMs).toBe(Math.min(epoch * 1000, lstatSync("/usr/bin/sort").mtimeMs));
    expect(JSON.parse(readFileSync(join(out, ".sidebundle/manifest.lock"), "utf8")).sourceDateEpoch).toBe(epoch);
  });

  it("--prefix puts a portable bundle in a directory of OUT", () => {
    const out = outDir("prefix");
    expect(sidebundle(["bundle", "--layout", "portable", "--prefix", "/opt/sb", "-o", out, "sort"])).toMatchObject({ code: 0 });
    expect(run(join(out, "opt/sb/bin/sort"), [], { input: "b\na\n", cwd: tmpdir() })).toMatchObject({ code: 0, stdout: "a\nb\n" });
  });
});

describe("the command line", () => {
  it("prints help on stdout", () => {
    expect(sidebundle(["--help"])).toMatchObject({ code: 0, stdout: expect.stringContaining("bundle") });
    expect(sidebundle(["bundle", "--help"])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: sidebundle bundle /) });
  });

  it.each([
    [["bundle", "/usr/bin/jq"], "-o OUT is required: the directory the bundle is written to"],
    [["bundle", "--frobnicate", "-o", "x", "jq"], "unknown flag --frobnicate"],
    [["bundle", "--test", "jq --version", "-o", "x", "jq"], "--test: the CLI does not run --test; run the bundle yourself"],
    [["bundle", "--layout", "flat", "-o", "x", "jq"], '--layout must be rootfs, portable or single-file, got "flat"'],
    [["bundle", "--trace-stdin", "x", "-o", "x", "jq"], "--trace-stdin needs a --trace command"],
    [["bundle", "-o", "x"], "no entries: name the programs to bundle, e.g. /usr/bin/jq"],
    [["bundle", "--layout", "portable", "-o", "x", "/usr/bin/jq", "/bin/jq"], "two entries are named jq; a portable bundle has one bin/jq"],
  ])("%j is a usage error: exit 2, one line", (args, message) => {
    expect(sidebundle(args)).toEqual({ code: 2, stdout: "", stderr: `sidebundle: ${message} (sidebundle --help)\n` });
  });

  it("refuses an output directory that is not empty", () => {
    const out = outDir("full");
    mkdirSync(out);
    writeFileSync(join(out, "mine"), "");
    expect(sidebundle(["bundle", "-o", out, "jq"])).toMatchObject({ code: 2, stderr: `sidebundle: -o ${out}: the directory is not empty (sidebundle --help)\n` });
  });

  it("fails with exit 1 and one line naming the cause", () => {
    expect(sidebundle(["bundle", "-o", outDir("missing"), "no-such-program"])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^sidebundle: entry no-such-program is not an executable file on the source's PATH \([^\n]*\)\n$/),
    });
    const failed = sidebundle(["bundle", "--trace", "jq -n 'error(\"boom\")'", "-o", outDir("failed"), "jq"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr.split("\n").at(-2)).toBe(`sidebundle: --trace "jq -n 'error("boom")'" exited with status 5; its error output ended with "jq: error (at <unknown>): boom\\n"`);
  });

  it("shows progress with --progress, on stderr", () => {
    const r = sidebundle(["bundle", "--progress", "-o", outDir("progress"), "sort"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^sidebundle: resolve closure\nsidebundle: write rootfs: \d+ files, [\d.]+ MB\nsidebundle: done: .*\n$/);
  });
});
