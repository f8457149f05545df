// --test: the command runs in the assembled bundle (no network), under the tracer so that a
// failure can name the files it looked for that the source has and the bundle lacks.
import type { OpOptions, Platform, State } from "../../llb/index.js";
import { parseTrace, type RootFS, type TraceEvent } from "../closure/index.js";
import type { BundleSpec, Command } from "../dockerfile/bundle-spec.js";
import { shellWords } from "../dockerfile/words.js";
import type { Gateway } from "../gateway/client.js";
import { RefFS } from "../source/ref-fs.js";
import type { Source } from "../source/source.js";
import { isUnder, OUT_DIR, OWN_DIRS, RESULT_DIR, TRACE_LOG, runTraced } from "../trace/tools.js";

const STDOUT = "stdout";

export interface TestOutcome {
  status: number;
  stdout: string;
  events: TraceEvent[];
}

/**
 * The test's output state: the trace log and the command's stdout. `user` is the stage's USER
 * as `uid:gid` (source/user.ts): the bundle need not have the source's /etc/passwd.
 */
export function testRun(bundle: State, src: Source, spec: BundleSpec, cmd: Command, user: string | undefined, platform: Platform, op: OpOptions): State {
  // A bundle has no shell unless one was bundled: shell-form tests run as plain words.
  const argv = cmd.shell ? shellWords(cmd.text) : cmd.argv;
  return runTraced(
    {
      root: bundle,
      argv,
      // The status is in the log; the frontend reports a failure with what was missing.
      tracerArgs: ["--stdout-file", `${OUT_DIR}/${STDOUT}`, "--exit-zero"],
      stdin: spec.testStdin,
      env: testEnv(src, spec),
      cwd: src.config.WorkingDir || "/",
      user,
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
  return spec.layout === "portable" ? `${portableRoot(spec)}/payload` : "";
}

/** The portable bundle's directory in the image, without a trailing slash ("" for the root). */
function portableRoot(spec: BundleSpec): string {
  return spec.prefix.replace(/\/$/, "");
}

export async function readOutcome(gw: Gateway, out: State): Promise<TestOutcome> {
  const fs = await RefFS.solve(gw, out);
  const events = parseTrace(await fs.readText(`${RESULT_DIR}/${TRACE_LOG}`));
  const stdout = await fs.readText(`${RESULT_DIR}/${STDOUT}`);
  const end = events.find((e) => e.type === "end");
  return { status: end && "status" in end ? end.status : -1, stdout, events };
}

export function passed(spec: BundleSpec, outcome: TestOutcome): boolean {
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
    if ((e.type !== "file" && e.type !== "exec") || e.result >= 0 || !e.abs?.startsWith(`${payload}/`)) continue;
    const path = e.abs.slice(payload.length);
    if (!bundle.has(path) && !isUnder(path, OWN_DIRS)) misses.add(path);
  }
  const present = await Promise.all([...misses].map(async (p) => ((await source.lstat(p)) ? p : undefined)));
  return present.filter((p): p is string => p !== undefined).sort();
}

/** The one-line report of a test that did not pass. */
export function failureReport(cmd: Command, spec: BundleSpec, outcome: TestOutcome, missing: string[]): string {
  const what = outcome.status !== 0 ? `exited with status ${outcome.status}` : `printed ${JSON.stringify(head(outcome.stdout))}, expected ${JSON.stringify(spec.testStdout)}`;
  const missed = missing.length
    ? `; missing from the bundle but present in the source: ${missing.join(", ")} (add them with --include or a --trace that uses them)`
    : "";
  const output = outcome.status !== 0 && outcome.stdout ? `; its output ended with ${JSON.stringify(tail(outcome.stdout))}` : "";
  return `--test "${cmd.text}" ${what}${output}${missed}`;
}

function head(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function tail(text: string): string {
  return text.length > 300 ? `…${text.slice(-300)}` : text;
}
