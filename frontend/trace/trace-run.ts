// One trace command as an exec op on the source rootfs: the tracer runs the command with the
// source's environment, workdir and user; its log lands on a scratch mount.
import type { OpOptions, Platform, State } from "../../llb/index.js";
import type { BundleSpec, Command } from "../dockerfile/bundle-spec.js";
import type { Source } from "../source/source.js";
import { runTraced } from "./tools.js";

/**
 * The state whose RESULT_DIR/trace.jsonl is the command's trace log. It runs for --trace-timeout (a server
 * stopped then is a success: what it touched is kept), else for at most `limit` milliseconds.
 */
export function traceRun(src: Source, spec: BundleSpec, cmd: Command, limit: number, platform: Platform, op: OpOptions): State {
  return runTraced(
    {
      root: src.state,
      argv: cmd.argv,
      tools: cmd.tools,
      tracerArgs: traceOptions(spec, limit),
      stdin: spec.traceStdin,
      env: [...(src.config.Env ?? []), ...spec.traceEnv],
      cwd: spec.traceWorkdir ?? (src.config.WorkingDir || "/"),
      user: src.config.User || undefined,
      platform,
    },
    op,
  );
}

/**
 * The tracer's options for a --trace, wherever it runs. Without ptrace (QEMU, Yama scope 3) the
 * log says why, and the bundle falls back to static analysis. The status is in the log: the
 * resolve step reports a failure with the user's command.
 */
export function traceOptions(spec: BundleSpec, limit: number): string[] {
  return ["--unavailable-ok", "--exit-zero", "--timeout", `${spec.traceTimeout ?? limit}ms`];
}
