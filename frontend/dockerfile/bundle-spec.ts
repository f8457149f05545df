// BUNDLE's flags and entries, validated. Every mistake is a one-line error naming the line.
import { checkRuleNames } from "../closure/index.js";
import { errorAt, type Dockerfile, type Instruction } from "./parse.js";
import { shellWords } from "./words.js";

/** A command in shell form (run through the source's /bin/sh -c) or JSON exec form. */
export interface Command {
  text: string;
  argv: string[];
  shell: boolean;
  /** The frontend's static tools the command runs (its own shell), mounted beside the tracer. */
  tools?: string[];
}

export interface BundleSpec {
  from: string;
  entries: string[];
  traces: Command[];
  traceStdin?: string;
  traceEnv: string[];
  /** Milliseconds: the trace is stopped then and what it touched is kept. */
  traceTimeout?: number;
  traceWorkdir?: string;
  include: string[];
  exclude: string[];
  mkdir: { path: string; mode: number }[];
  installTo?: string;
  tests: Command[];
  testStdin?: string;
  testStdout?: string;
  /** Milliseconds: a test still running then fails. */
  testTimeout?: number;
  strict: boolean;
  allowGpuLibs: boolean;
  /** Runtime-data rules to leave out (closure/rules/runtime-data.ts names them). */
  skipRules: string[];
  env: "inherit" | "none";
  layout: "rootfs" | "portable" | "single-file";
  /** Debian package metadata for scanners (status.d, os-release), or none. */
  packageMetadata: "dpkg" | "none";
  /** Where a portable bundle, or a single-file one, goes in the image. */
  prefix: string;
  /** --compress: the bundle's ELF executables packed by upx, at this level when one is given. */
  compress?: Compression;
}

export interface Compression {
  tool: "upx";
  /** 1 (fastest) to 9 (best); upx's default when absent. */
  level?: number;
}

type Setter = (spec: BundleSpec, value: string) => void;
const VALUED: Record<string, Setter> = {
  from: (s, v) => (s.from = v),
  trace: (s, v) => s.traces.push(command("--trace", v)),
  "trace-stdin": (s, v) => (s.traceStdin = v),
  "trace-env": (s, v) => s.traceEnv.push(keyValue(v)),
  "trace-timeout": (s, v) => (s.traceTimeout = duration(v, "--trace-timeout")),
  "trace-workdir": (s, v) => (s.traceWorkdir = absolute(v, "--trace-workdir")),
  include: (s, v) => s.include.push(glob(v, "--include")),
  exclude: (s, v) => s.exclude.push(glob(v, "--exclude")),
  "skip-rule": (s, v) => s.skipRules.push(ruleName(v)),
  mkdir: (s, v) => s.mkdir.push(mkdir(v)),
  "install-to": (s, v) => (s.installTo = absolute(v, "--install-to")),
  test: (s, v) => s.tests.push(command("--test", v)),
  "test-stdin": (s, v) => (s.testStdin = v),
  "test-stdout": (s, v) => (s.testStdout = v),
  "test-timeout": (s, v) => (s.testTimeout = duration(v, "--test-timeout")),
  env: (s, v) => (s.env = oneOf(v, ["inherit", "none"], "--env")),
  layout: (s, v) => (s.layout = oneOf(v, ["rootfs", "portable", "single-file"], "--layout")),
  "package-metadata": (s, v) => (s.packageMetadata = oneOf(v, ["dpkg", "none"], "--package-metadata")),
  prefix: (s, v) => (s.prefix = absolute(v, "--prefix")),
  compress: (s, v) => (s.compress = compression(v)),
};
/** Flags that may be given more than once; any other valued flag given twice is an error. */
const REPEATABLE = new Set(["trace", "trace-env", "include", "exclude", "mkdir", "test", "skip-rule"]);
/** Flags that only mean something with a --trace, or with a --test. */
const NEEDS: Record<string, "trace" | "test"> = {
  "trace-stdin": "trace",
  "trace-env": "trace",
  "trace-timeout": "trace",
  "trace-workdir": "trace",
  "test-stdin": "test",
  "test-stdout": "test",
  "test-timeout": "test",
};
const BOOLEAN: Record<string, (spec: BundleSpec) => void> = {
  strict: (s) => (s.strict = true),
  "allow-gpu-libs": (s) => (s.allowGpuLibs = true),
  compress: (s) => (s.compress = { tool: "upx" }),
};

export function parseBundle(df: Dockerfile, ins: Instruction): BundleSpec {
  try {
    return parseBundleWords(shellWords(ins.args, df.escape));
  } catch (err) {
    throw errorAt(df, ins, `BUNDLE: ${(err as Error).message}`);
  }
}

/** Whether BUNDLE's flag `--<name>` takes a value, takes none, or is not a BUNDLE flag. */
export function bundleFlagKind(name: string): "valued" | "boolean" | undefined {
  return Object.hasOwn(VALUED, name) ? "valued" : Object.hasOwn(BOOLEAN, name) ? "boolean" : undefined;
}

/** A BUNDLE with no flags but --from: every default. */
export function defaultSpec(from: string): BundleSpec {
  return {
    from, entries: [], traces: [], traceEnv: [], include: [], exclude: [], mkdir: [], tests: [],
    strict: false, allowGpuLibs: false, skipRules: [], env: "inherit", layout: "rootfs", packageMetadata: "dpkg", prefix: "/",
  };
}

/** BUNDLE's words (`--flag=value`, `--flag`, entries) as a spec; a mistake throws its one-line message. */
export function parseBundleWords(words: string[]): BundleSpec {
  const spec = defaultSpec("");
  const given = new Set<string>();
  for (const word of words) {
    if (!word.startsWith("--")) {
      spec.entries.push(word);
      continue;
    }
    const eq = word.indexOf("=");
    const name = word.slice(2, eq < 0 ? undefined : eq);
    if (VALUED[name] && given.has(name) && !REPEATABLE.has(name)) throw new Error(`--${name} is given twice: it takes one value`);
    given.add(name);
    if (BOOLEAN[name] && eq < 0) BOOLEAN[name](spec);
    else if (VALUED[name] && eq >= 0) VALUED[name](spec, word.slice(eq + 1));
    else if (VALUED[name]) throw new Error(`--${name} needs a value: --${name}=<value>`);
    else if (BOOLEAN[name]) throw new Error(`--${name} takes no value`);
    else throw new Error(`unknown flag --${name}`);
  }
  if (!spec.from) throw new Error("--from=<stage|image> is required");
  if (spec.entries.length === 0) throw new Error("no entries: name the programs to bundle, e.g. /usr/bin/jq");
  for (const [flag, needed] of Object.entries(NEEDS)) {
    if (given.has(flag) && !given.has(needed)) throw new Error(`--${flag} needs a --${needed} command`);
  }
  if (spec.prefix !== "/" && spec.layout === "rootfs") throw new Error("--prefix goes with --layout=portable or --layout=single-file");
  if (spec.installTo && spec.layout !== "rootfs") throw new Error(`--install-to goes with --layout=rootfs: a ${spec.layout} bundle's entries are its own`);
  // Measured: the loader refuses a packed jq ("no dynamic section"), and launchers run through it.
  if (spec.compress && spec.layout !== "rootfs") throw new Error(`--compress goes with --layout=rootfs: a ${spec.layout} bundle's launchers run each program through the loader, which cannot load a upx-packed executable`);
  return spec;
}

/**
 * Exec form when the value is a JSON array, as RUN reads it; anything else is shell form.
 * `flag` names where the value came from in messages (--trace, a build-arg).
 */
export function command(flag: string, value: string): Command {
  if (value.trim() === "") throw new Error(`${flag}: empty command`);
  const argv = jsonArray(value);
  if (argv === undefined) {
    try {
      shellWords(value);
    } catch (err) {
      throw new Error(`${flag}: ${(err as Error).message} in: ${value}`);
    }
    return { text: value, argv: ["/bin/sh", "-c", value], shell: true };
  }
  if (argv.length === 0 || !argv.every((a) => typeof a === "string")) {
    throw new Error(`${flag}: a JSON command must be a non-empty array of strings: ${value}`);
  }
  return { text: argv.join(" "), argv, shell: false };
}

/** `upx`, or `upx:<level>` with a level from 1 to 9 (the bare flag is `upx`). */
function compression(v: string): Compression {
  const m = /^upx(?::([1-9]))?$/.exec(v);
  if (!m) throw new Error(`--compress must be upx or upx:<level 1-9>, got "${v}"`);
  return m[1] ? { tool: "upx", level: Number(m[1]) } : { tool: "upx" };
}

function ruleName(v: string): string {
  try {
    checkRuleNames([v]);
  } catch (err) {
    throw new Error(`--skip-rule: ${(err as Error).message}`);
  }
  return v;
}

function jsonArray(value: string): unknown[] | undefined {
  if (!value.trimStart().startsWith("[")) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function keyValue(v: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) throw new Error(`--trace-env wants KEY=VALUE, got "${v}"`);
  return v;
}

/** Go-style durations as Docker uses them: 500ms, 30s, 2m, 1m30s; whole milliseconds, at least one. */
export function duration(v: string, flag: string): number {
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * unit[m[2]];
    matched = re.lastIndex;
  }
  if (v === "" || matched !== v.length) throw new Error(`${flag}: "${v}" is not a duration such as 500ms, 30s or 2m`);
  // The tracer counts whole milliseconds, where 0 would mean no limit at all.
  if (Math.round(total) < 1) throw new Error(`${flag}: "${v}" is less than 1ms`);
  return Math.round(total);
}

/** A duration as duration() reads it: 600000 is 10m, 1500 is 1s500ms. */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]];
  let rest = ms;
  let text = "";
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * size;
  }
  return text || "0ms";
}

function mkdir(v: string): { path: string; mode: number } {
  const [path, mode, ...extra] = v.split(":");
  if (extra.length) throw new Error(`--mkdir wants <path>[:mode], got "${v}"`);
  if (mode !== undefined && !/^[0-7]{3,4}$/.test(mode)) throw new Error(`--mkdir: "${mode}" is not an octal mode such as 755`);
  return { path: absolute(path, "--mkdir"), mode: mode === undefined ? 0o755 : parseInt(mode, 8) };
}

export function glob(v: string, flag: string): string {
  if (v === "") throw new Error(`${flag} wants a path or glob, got an empty value`);
  return v;
}

function absolute(v: string, flag: string): string {
  if (!v.startsWith("/")) throw new Error(`${flag} wants an absolute path, got "${v}"`);
  return v;
}

function oneOf<T extends string>(v: string, allowed: T[], flag: string): T {
  if (!(allowed as string[]).includes(v)) throw new Error(`${flag} must be ${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}, got "${v}"`);
  return v as T;
}
