// One trace command as an exec op on the source rootfs: the tracer runs the command with the
// source's environment, workdir and user; its log lands on a scratch mount.
import type { OpOptions, Platform, State } from "../../llb/index.js";
import type { BundleSpec, Command } from "../dockerfile/bundle-spec.js";
import type { Source } from "../source/source.js";
import { runTraced } from "./tools.js";

/** The state whose RESULT_DIR/trace.jsonl is the command's trace log. */
export function traceRun(src: Source, spec: BundleSpec, cmd: Command, platform: Platform, op: OpOptions): State {
  // Without ptrace (QEMU, Yama scope 3) the log says why, and the bundle falls back to static
  // analysis. A server traced for a while and then stopped is a success: what it touched is kept.
  const tracerArgs = ["--unavailable-ok", ...(spec.traceTimeout ? ["--timeout", `${spec.traceTimeout}ms`, "--timeout-ok"] : [])];
  return runTraced(
    {
      root: src.state,
      argv: cmd.argv,
      tracerArgs,
      stdin: spec.traceStdin,
      env: [...(src.config.Env ?? []), ...spec.traceEnv],
      cwd: spec.traceWorkdir ?? (src.config.WorkingDir || "/"),
      user: src.config.User || undefined,
      platform,
    },
    op,
  );
}
