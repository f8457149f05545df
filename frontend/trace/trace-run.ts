// One trace command as an exec op on the source rootfs: the tracer (mounted read-only) runs the
// command with the source's environment, workdir and user; its log lands on a scratch mount.
import type { OpOptions, Platform, State } from "../../llb/index.js";
import type { BundleSpec, Command } from "../dockerfile/bundle-spec.js";
import type { Source } from "../source/source.js";
import { STDIN_FILE, TOOLS_DIR, TRACER, toolsState } from "./tools.js";

export const OUT_DIR = "/.sidebundle-out";
export const TRACE_LOG = "trace.jsonl";

/** The state whose /trace.jsonl is the command's trace log. */
export function traceRun(src: Source, spec: BundleSpec, cmd: Command, platform: Platform, op: OpOptions): State {
  const args = [TRACER, "--output", `${OUT_DIR}/${TRACE_LOG}`];
  // A server traced for a while and then stopped is a success: what it touched is kept.
  if (spec.traceTimeout) args.push("--timeout", `${spec.traceTimeout}ms`, "--timeout-ok");
  if (spec.traceStdin !== undefined) args.push("--stdin-file", STDIN_FILE);
  const run = src.state.run(
    {
      args: [...args, "--", ...cmd.argv],
      env: [...(src.config.Env ?? []), ...spec.traceEnv],
      cwd: spec.traceWorkdir ?? (src.config.WorkingDir || "/"),
      user: src.config.User || undefined,
      mounts: [
        { dest: TOOLS_DIR, from: toolsState(spec.traceStdin), readonly: true },
        { dest: OUT_DIR },
      ],
      platform,
    },
    op,
  );
  return run.mount(OUT_DIR);
}
