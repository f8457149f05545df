// --test: the command runs in the assembled bundle (no network), under the tracer so that a
// failure can name the files it looked for that the source has and the bundle lacks.
import type { OpOptions, Platform, State } from "../../llb/index.js";
import { parseTrace, type RootFS, type TraceEvent } from "../closure/index.js";
import { formatDuration, type BundleSpec, type Command } from "../dockerfile/bundle-spec.js";
import type { Gateway } from "../gateway/client.js";
import { RefFS } from "../source/ref-fs.js";
import type { Source } from "../source/source.js";
import { isUnder, OUT_DIR, OWN_DIRS, RESULT_DIR, SHELL, STDERR_TAIL, TOOLS_DIR, TRACE_LOG, runTraced } from "../trace/tools.js";
import { unavailableReason } from "../trace/unavailable.js";

const STDOUT = "stdout";

export interface TestOutcome {
  status: number;
  timedOut: boolean;
  stdout: string;
  /** The end of its stderr. */
  stderr: string;
  events: TraceEvent[];
  /** Why the test ran untraced (ptrace unavailable), when it did. */
  untraced?: string;
}

export interface TestRunOptions {
  /** Milliseconds the test may run (its --test-timeout, else the default). */
  limit: number;
  /** Untraced, the test runs where ptrace is denied, but its misses are unknown. */
  traced: boolean;
  /**
   * The stage's USER as `uid:gid` (source/user.ts): the bundle need not have the source's
   * /etc/passwd.
   */
  user?: string;
}

/** The test's output state: the trace log and the command's stdout. */
export function testRun(bundle: State, src: Source, spec: BundleSpec, cmd: Command, how: TestRunOptions, platform: Platform, op: OpOptions): State {
  // Shell form runs through a shell, as RUN does; the bundle's own paths stay the bundle's.
  // $0 is "sh": the shell's own messages then name no path of ours.
  const argv = cmd.shell ? [`${TOOLS_DIR}/${SHELL}`, "-c", cmd.text, SHELL] : cmd.argv;
  // The status is in the log; the frontend reports a failure with what was missing. Without
  // ptrace, a traced run leaves only the reason in the log and runs nothing.
  const tracing = how.traced ? ["--unavailable-ok"] : ["--no-trace"];
  return runTraced(
    {
      root: bundle,
      tools: cmd.shell ? [SHELL] : (cmd.tools ?? []),
      argv,
      tracerArgs: ["--stdout-file", `${OUT_DIR}/${STDOUT}`, "--exit-zero", "--timeout", `${how.limit}ms`, ...tracing],
      stdin: spec.testStdin,
      env: testEnv(src, spec),
      cwd: src.config.WorkingDir || "/",
      user: how.user,
      network: "none",
      platform,
    },
    op,
  );
}

/** A portable bundle's launchers come first on PATH. */
function testEnv(src: Source, spec: BundleSpec): string[] | undefined {
  const env = spec.env === "inherit" ? (src.config.Env ?? []) : [];
  if (spec.layout === "rootfs") return env.length ? env : undefined;
  const path = env.find((kv) => kv.startsWith("PATH="))?.slice(5) ?? "/usr/local/bin:/usr/bin:/bin";
  return [...env.filter((kv) => !kv.startsWith("PATH=")), `PATH=${portableRoot(spec)}/bin:${path}`];
}

/** Where the bundle's runtime paths are in the tested rootfs. */
export function payloadRoot(spec: BundleSpec): string {
  return spec.layout !== "rootfs" ? `${portableRoot(spec)}/payload` : "";
}

/**
 * The tested portable bundle's directory, without a trailing slash ("" for the root): a
 * single file's tests run in the portable bundle it carries, assembled at the root.
 */
function portableRoot(spec: BundleSpec): string {
  return spec.layout === "single-file" ? "" : spec.prefix.replace(/\/$/, "");
}

export async function readOutcome(gw: Gateway, out: State): Promise<TestOutcome> {
  const fs = await RefFS.solve(gw, out);
  const log = await fs.readText(`${RESULT_DIR}/${TRACE_LOG}`);
  const untraced = unavailableReason([log]);
  if (untraced) return { status: -1, timedOut: false, stdout: "", stderr: "", events: [], untraced };
  const events = parseTrace(log);
  const [stdout, stderr] = await Promise.all([fs.readText(`${RESULT_DIR}/${STDOUT}`), fs.readText(`${RESULT_DIR}/${STDERR_TAIL}`)]);
  const end = events.find((e) => e.type === "end");
  return { status: end?.type === "end" ? end.status : -1, timedOut: end?.type === "end" && end.timedOut, stdout, stderr, events };
}

export function passed(spec: BundleSpec, outcome: TestOutcome): boolean {
  if (outcome.timedOut) return false;
  const wrongOutput = spec.testStdout !== undefined && outcome.stdout !== spec.testStdout && outcome.stdout !== `${spec.testStdout}\n`;
  return outcome.status === 0 && !wrongOutput;
}

/**
 * Paths the test failed to find that are not in the bundle but exist in the source, sorted.
 * `payload` is where the bundle's runtime paths are in the tested rootfs.
 */
export async function missingFiles(outcome: TestOutcome, source: RootFS, bundle: ReadonlySet<string>, payload: string): Promise<string[]> {
  const misses = new Set<string>();
  for (const e of outcome.events) {
    // Only what was not found: a shell's /dev/tty (ENXIO without a terminal) is no missing file.
    if ((e.type !== "file" && e.type !== "exec") || e.errno !== "ENOENT" || !e.abs?.startsWith(`${payload}/`)) continue;
    const path = e.abs.slice(payload.length);
    if (!bundle.has(path) && !isUnder(path, OWN_DIRS)) misses.add(path);
  }
  const present = await Promise.all([...misses].map(async (p) => ((await source.lstat(p)) ? p : undefined)));
  return present.filter((p): p is string => p !== undefined).sort();
}

/** The one-line report of a test that did not pass. */
export function failureReport(cmd: Command, spec: BundleSpec, outcome: TestOutcome, missing: string[], limit: number): string {
  if (outcome.timedOut) return `--test "${cmd.text}" did not finish within ${formatDuration(limit)}; give it longer with --test-timeout=<duration>`;
  const what = outcome.status !== 0 ? `exited with status ${outcome.status}` : `printed ${JSON.stringify(head(outcome.stdout))}, expected ${JSON.stringify(spec.testStdout)}`;
  const missed = missing.length
    ? `; missing from the bundle but present in the source: ${missing.join(", ")} (add them with --include or a --trace that uses them)`
    : "";
  const output = outcome.status !== 0 && outcome.stdout ? `; its output ended with ${JSON.stringify(ending(outcome.stdout))}` : "";
  const errors = outcome.stderr ? `; its error output ended with ${JSON.stringify(ending(outcome.stderr))}` : "";
  const untraced = outcome.untraced ? `; it ran untraced (${outcome.untraced}), so the files it missed are unknown` : "";
  return `--test "${cmd.text}" ${what}${output}${errors}${missed}${untraced}`;
}

function head(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** The end of a command's output, short enough for a one-line report. */
export function ending(text: string): string {
  return text.length > 300 ? `…${text.slice(-300)}` : text;
}
