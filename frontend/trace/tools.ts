// The static tools that run inside the user's rootfs (the tracer), shipped beside the frontend
// bundle and handed to BuildKit as a small scratch state that exec ops mount read-only.
import { readFileSync } from "node:fs";
import { FileActions, State } from "../../llb/index.js";

export const TOOLS_DIR = "/.sidebundle-tools";
export const TRACER = `${TOOLS_DIR}/sidebundle-trace`;
export const STDIN_FILE = `${TOOLS_DIR}/stdin`;

let tracer: Buffer | undefined;

function tracerBinary(): Buffer {
  return (tracer ??= readFileSync(new URL("./sidebundle-trace", import.meta.url)));
}

/** The tracer, plus the text a traced or tested command reads on stdin. */
export function toolsState(stdin?: string): State {
  let actions = FileActions.empty().mkfile("/sidebundle-trace", 0o755, tracerBinary(), { timestamp: 0n });
  if (stdin !== undefined) actions = actions.mkfile("/stdin", 0o644, stdin, { timestamp: 0n });
  return State.scratch().file(actions, { customName: "[internal] sidebundle: tools" });
}
