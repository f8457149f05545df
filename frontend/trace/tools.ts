// The static tools that run inside users' rootfs (the tracer), shipped beside the frontend
// bundle and handed to BuildKit as a small scratch state that exec ops mount read-only.
import { readFileSync } from "node:fs";
import { FileActions, State, type Network, type OpOptions, type Platform } from "../../llb/index.js";

export const TOOLS_DIR = "/.sidebundle-tools";
/** Where a tool run writes what the frontend reads back. */
export const OUT_DIR = "/.sidebundle-out";
export const TRACE_LOG = "trace.jsonl";

const TRACER = `${TOOLS_DIR}/sidebundle-trace`;
const STDIN_FILE = `${TOOLS_DIR}/stdin`;

let tracer: Buffer | undefined;

function tracerBinary(): Buffer {
  return (tracer ??= readFileSync(new URL("./sidebundle-trace", import.meta.url)));
}

/** The tracer, plus the text a traced or tested command reads on stdin. */
function toolsState(stdin?: string): State {
  let actions = FileActions.empty().mkfile("/sidebundle-trace", 0o755, tracerBinary(), { timestamp: 0n });
  if (stdin !== undefined) actions = actions.mkfile("/stdin", 0o644, stdin, { timestamp: 0n });
  return State.scratch().file(actions, { customName: "[internal] sidebundle: tools" });
}

export interface TracedRun {
  /** The rootfs the command runs in. */
  root: State;
  argv: string[];
  /** Tracer options; --output and --stdin-file are added here. */
  tracerArgs: string[];
  stdin?: string;
  env?: string[];
  cwd: string;
  user?: string;
  network?: Network;
  platform: Platform;
}

/** Runs a command under the tracer; the result is the output directory (the log at /trace.jsonl). */
export function runTraced(r: TracedRun, op: OpOptions): State {
  const args = [TRACER, "--output", `${OUT_DIR}/${TRACE_LOG}`, ...r.tracerArgs];
  if (r.stdin !== undefined) args.push("--stdin-file", STDIN_FILE);
  const run = r.root.run(
    {
      args: [...args, "--", ...r.argv],
      env: r.env,
      cwd: r.cwd,
      user: r.user,
      network: r.network,
      mounts: [
        { dest: TOOLS_DIR, from: toolsState(r.stdin), readonly: true },
        { dest: OUT_DIR },
      ],
      platform: r.platform,
    },
    op,
  );
  return run.mount(OUT_DIR);
}
