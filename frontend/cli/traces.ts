// Running the --trace commands under the tracer: here, on this machine's own root, or in a
// container of an image (the tracer bind-mounted where the frontend mounts it in a build). Either
// way each leaves its log and the end of its stderr in a directory of ours.
import { spawn } from "node:child_process";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BundleSpec, Command } from "../dockerfile/bundle-spec.js";
import { envRecord } from "../source/source.js";
import { OUT_DIR, STDERR_TAIL, TOOLS_DIR, TRACE_LOG, toolPath } from "../trace/tools.js";
import { traceOptions } from "../trace/trace-run.js";
import { runDocker } from "./image/docker.js";

export interface TraceFiles {
  log: string;
  /** The end of the command's stderr, which a failure quotes. */
  tail: string;
}

/** Runs one --trace; `dir` is its own new directory. */
export type TraceRunner = (spec: BundleSpec, cmd: Command, limit: number, dir: string) => Promise<TraceFiles>;

const STDIN = "stdin";
/** The tracer's status when it, not the command, failed (tracer-static/README.md). */
const TRACER_FAILED = 125;

/** On this machine: as this user, in --trace-workdir or the current directory. */
export const traceOnHost: TraceRunner = async (spec, cmd, limit, dir) => {
  await mkdir(dir, { recursive: true });
  const files = { log: join(dir, TRACE_LOG), tail: join(dir, STDERR_TAIL) };
  const args = ["--output", files.log, "--stderr-tail", files.tail, ...traceOptions(spec, limit), ...(await stdinFile(spec, dir))];
  const env = { ...process.env, ...envRecord(spec.traceEnv) };
  // The command's output goes to our stderr: stdout is the CLI's own.
  const status = await new Promise<number>((resolve, reject) => {
    const child = spawn(toolPath("sidebundle-trace"), [...args, "--", ...cmd.argv], { cwd: spec.traceWorkdir ?? process.cwd(), env, stdio: ["ignore", 2, 2] });
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? TRACER_FAILED));
  });
  if (status !== 0) throw new Error(`the tracer could not run --trace "${cmd.text}" (its message is above)`);
  return files;
};

/** In a container of `image`, as its USER, in --trace-workdir or its WORKDIR, with its ENV. */
export function traceInContainer(image: string): TraceRunner {
  return async (spec, cmd, limit, dir) => {
    await mkdir(dir, { recursive: true });
    // The image's USER writes the log.
    await chmod(dir, 0o777);
    const inside = { log: `${OUT_DIR}/${TRACE_LOG}`, tail: `${OUT_DIR}/${STDERR_TAIL}` };
    const stdin = (await stdinFile(spec, dir)).length ? ["--stdin-file", `${OUT_DIR}/${STDIN}`] : [];
    const tracer = `${TOOLS_DIR}/sidebundle-trace`;
    const args = [
      "run", "--rm",
      "--mount", `type=bind,source=${toolPath("sidebundle-trace")},target=${tracer},readonly`,
      "--mount", `type=bind,source=${dir},target=${OUT_DIR}`,
      "--entrypoint", tracer,
      ...(spec.traceWorkdir ? ["--workdir", spec.traceWorkdir] : []),
      ...spec.traceEnv.flatMap((kv) => ["--env", kv]),
      image,
      "--output", inside.log, "--stderr-tail", inside.tail, ...traceOptions(spec, limit), ...stdin, "--", ...cmd.argv,
    ];
    await runDocker(args, `running --trace "${cmd.text}" in a container of the image`, { stdout: "stderr" });
    return { log: join(dir, TRACE_LOG), tail: join(dir, STDERR_TAIL) };
  };
}

/** --trace-stdin as a file beside the log, and the tracer's option that reads it. */
async function stdinFile(spec: BundleSpec, dir: string): Promise<string[]> {
  if (spec.traceStdin === undefined) return [];
  await writeFile(join(dir, STDIN), spec.traceStdin);
  return ["--stdin-file", join(dir, STDIN)];
}
