// The static tools that run inside users' rootfs (the tracer), shipped beside the frontend
// bundle and handed to BuildKit as a small scratch state that exec ops mount read-only.
import { readFileSync } from "node:fs";
import { FileActions, State, type Network, type OpOptions, type Platform } from "../../llb/index.js";

export const TOOLS_DIR = "/.sidebundle-tools";
/** A static POSIX shell (mksh) shipped beside the tracer: a bundle or a source need not have one. */
export const SHELL = "sh";
/** Where a tool run writes what the frontend reads back. */
export const OUT_DIR = "/.sidebundle-out";
/** Where those files are in the run's result (runTraced). */
export const RESULT_DIR = "/out";
export const TRACE_LOG = "trace.jsonl";
/** The end of the command's stderr, which a failure quotes (the step's log may be cached away). */
export const STDERR_TAIL = "stderr";
/** Our own mounts in a traced rootfs: what a trace sees there is never the program's. */
export const OWN_DIRS = [TOOLS_DIR, OUT_DIR];

export function isUnder(path: string, dirs: readonly string[]): boolean {
  return dirs.some((dir) => path === dir || path.startsWith(`${dir}/`));
}

const TRACER = `${TOOLS_DIR}/sidebundle-trace`;
const STDIN_FILE = `${TOOLS_DIR}/stdin`;

const binaries = new Map<string, Buffer>();

function binary(name: string): Buffer {
  let bytes = binaries.get(name);
  if (!bytes) binaries.set(name, (bytes = readFileSync(new URL(`./${name}`, import.meta.url))));
  return bytes;
}

/** Static tools (e.g. sidebundle-trace) on scratch, plus files such as a command's stdin. */
export function toolsState(tools: string[], files: Record<string, string> = {}): State {
  let actions = FileActions.empty();
  for (const name of tools) actions = actions.mkfile(`/${name}`, 0o755, binary(name), { timestamp: 0n });
  for (const [name, text] of Object.entries(files)) actions = actions.mkfile(`/${name}`, 0o644, text, { timestamp: 0n });
  return State.scratch().file(actions, { customName: "[internal] sidebundle: tools" });
}

export interface TracedRun {
  /** The rootfs the command runs in. */
  root: State;
  /** Static tools mounted beside the tracer (e.g. the shell of a shell-form --test). */
  tools?: string[];
  argv: string[];
  /** Tracer options; --output, --stderr-tail and --stdin-file are added here. */
  tracerArgs: string[];
  stdin?: string;
  env?: string[];
  cwd: string;
  user?: string;
  network?: Network;
  platform: Platform;
}

/**
 * A directory any user can write: the tracer runs as the stage's USER, as RUN would, and a
 * mount's own root is root's, 0755. A copy's mode is set as given (mkdir's passes the umask).
 */
function writableDir(): State {
  const op = { customName: "[internal] sidebundle: output directory" };
  const dir = State.scratch().file(FileActions.empty().mkdir(RESULT_DIR, 0o755, { timestamp: 0n }), op);
  return State.scratch().file(FileActions.empty().copy(dir, RESULT_DIR, RESULT_DIR, { mode: 0o777, timestamp: 0n }), op);
}

/** Runs a command under the tracer; the result holds the log and the stderr tail in RESULT_DIR. */
export function runTraced(r: TracedRun, op: OpOptions): State {
  const args = [TRACER, "--output", `${OUT_DIR}/${TRACE_LOG}`, "--stderr-tail", `${OUT_DIR}/${STDERR_TAIL}`, ...r.tracerArgs];
  if (r.stdin !== undefined) args.push("--stdin-file", STDIN_FILE);
  const run = r.root.run(
    {
      args: [...args, "--", ...r.argv],
      env: r.env,
      cwd: r.cwd,
      user: r.user,
      network: r.network,
      mounts: [
        { dest: TOOLS_DIR, from: toolsState(["sidebundle-trace", ...(r.tools ?? [])], r.stdin === undefined ? {} : { stdin: r.stdin }), readonly: true },
        { dest: OUT_DIR, from: writableDir(), selector: RESULT_DIR },
      ],
      platform: r.platform,
    },
    op,
  );
  return run.mount(OUT_DIR);
}
