// A minimize request as the BUNDLE a user would have written by hand: `BUNDLE --from=<target>`
// with the config's programs as entries, what the Dockerfile copied in as includes, a trace that
// runs the image's own command (probed when it is a server), and the HEALTHCHECK as the test.
import { defaultSpec, type BundleSpec, type Command } from "../dockerfile/bundle-spec.js";
import type { ImageConfig } from "../source/source.js";
import { SHELL, TOOLS_DIR } from "../trace/tools.js";
import type { MinimizeArgs } from "./args.js";
import { commandLine, configEntries, exposes, healthcheckCommand } from "./config.js";

/** How long a program that has not exited is watched before it counts as a server (5 s). */
const WINDOW_TICKS = 25;
const TICK = "0.2";
/** How long a server with no probe runs before it is stopped. */
const UNPROBED_TICKS = 15;
/** A server stopped by its stop signal that still runs after this is killed, with its process group. */
const STOP_TICKS = 50;
/** The trace's own limit: a server whose probes never pass is stopped then, keeping what it touched. */
export const TRACE_LIMIT_MS = 120_000;

export class NothingToRun extends Error {}

/** `copied`: what the Dockerfile copied into the stage (copied.ts), kept as --include would. */
export function minimizeSpec(from: string, config: ImageConfig, args: MinimizeArgs, copied: string[] = []): BundleSpec {
  const entries = [...new Set([...configEntries(config), ...args.entries])];
  if (!entries.length) throw new NothingToRun("the stage has no ENTRYPOINT or CMD: name its programs with SIDEBUNDLE_ENTRIES");
  const include = [...new Set([...copied, ...args.include])];
  const spec: BundleSpec = { ...defaultSpec(from), entries, include, exclude: args.exclude };
  if (args.traces.length) spec.traces = args.traces;
  else if (commandLine(config).length) {
    spec.traces = [runTrace(config, args.probes)];
    spec.traceTimeout = TRACE_LIMIT_MS;
  }
  const health = healthTest(config);
  spec.tests = args.tests.length ? args.tests : health ? [health] : [];
  return spec;
}

/**
 * The image's own command run under the frontend's shell (never an entry, so neither it nor the
 * probes it runs count; a probe that runs an entry, as a HEALTHCHECK does, counts like any run of
 * it). A program that exits is traced to its end; a server is probed, then stopped.
 */
function runTrace(config: ImageConfig, extraProbes: string[]): Command {
  const program = commandLine(config);
  const health = healthcheckCommand(config);
  const probes = [...(health ? [quoteArgv(health)] : []), ...extraProbes];
  const script = [
    PRELUDE,
    `${quoteArgv(program)} ${NO_PIPES} &`,
    "pid=$!",
    // Without EXPOSE, a program still running after the window is a server.
    ...(exposes(config) ? [] : [`n=0; ${waitLoop("n", WINDOW_TICKS)}`]),
    "if kill -0 $pid 2>/dev/null; then",
    ...(probes.length ? probes.map(probeLoop) : [`i=0; ${waitLoop("i", UNPROBED_TICKS)}`]),
    `  kill -s ${stopSignal(config)} $pid 2>/dev/null`,
    `  i=0; ${waitLoop("i", STOP_TICKS)}`,
    // What still runs of its process group (a worker its main process left behind) is killed.
    "  kill -s KILL -- -$pid 2>/dev/null",
    "fi",
    "wait $pid",
    "exit 0",
  ].join("\n");
  const what = probes.length ? `, probed by ${probes.join("; ")}` : "";
  return { text: `${program.join(" ")}${what}`, argv: [`${TOOLS_DIR}/${SHELL}`, "-c", script, SHELL], shell: false, tools: [SHELL] };
}

/** The HEALTHCHECK in the minimized image: the command is started and the check must pass while it runs. */
function healthTest(config: ImageConfig): Command | undefined {
  const health = healthcheckCommand(config);
  const program = commandLine(config);
  if (!health || !program.length) return undefined;
  const script = [
    PRELUDE,
    `${quoteArgv(program)} ${NO_PIPES} &`,
    "pid=$!",
    `until ${quoteArgv(health)} >/dev/null 2>&1 ${NO_PIPES}; do`,
    "  kill -0 $pid 2>/dev/null || { wait $pid; echo \"the program exited with status $? before its HEALTHCHECK passed\" >&2; exit 1; }",
    `  pause ${TICK}`,
    "done",
    `kill -s ${stopSignal(config)} $pid 2>/dev/null`,
    "exit 0",
  ].join("\n");
  return { text: `HEALTHCHECK ${health.join(" ")}`, argv: [`${TOOLS_DIR}/${SHELL}`, "-c", script, SHELL], shell: false, tools: [SHELL] };
}

/**
 * Job control on: a non-interactive shell starts background commands with SIGINT and SIGQUIT
 * ignored, which would make a STOPSIGNAL of SIGQUIT (nginx's) do nothing.
 * `pause <seconds>` with no program: the image may have no `sleep`. mksh's `read -t` waits the
 * whole time on a co-process that never writes (its pipes moved to fds 8 and 9, which a
 * co-process read would lose at the first timeout); the commands started get neither.
 */
const PRELUDE = "set -m\n(read x) |&\nexec 8<&p 9>&p\npause() { read -t \"$1\" -u8 _ 2>/dev/null; }";
const NO_PIPES = "8<&- 9>&-";

function waitLoop(counter: string, ticks: number): string {
  return `while kill -0 $pid 2>/dev/null && [ $${counter} -lt ${ticks} ]; do pause ${TICK}; ${counter}=$((${counter}+1)); done`;
}

/** A probe is retried until it passes while the server runs (the trace's limit stops it otherwise). */
function probeLoop(probe: string): string {
  return `  until ( ${probe} ) >/dev/null 2>&1 ${NO_PIPES}; do kill -0 $pid 2>/dev/null || break; pause ${TICK}; done`;
}

/** STOPSIGNAL as kill -s takes it: SIGQUIT is QUIT; a number stays a number. */
function stopSignal(config: ImageConfig): string {
  return (config.StopSignal || "TERM").replace(/^SIG/i, "");
}

/** A command line as POSIX shell words. */
export function quoteArgv(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
}
