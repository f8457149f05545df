// The static tools that run inside users' rootfs (the tracer), shipped beside the frontend
// bundle and handed to BuildKit as a small scratch state that exec ops mount read-only.
// The image carries them for every platform it supports, in tools/<os>_<arch>/ (scripts/image.sh).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FileActions, State, type Network, type OpOptions, type Platform } from "../../llb/index.js";
import { platformId } from "../bundle/platform.js";

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
/** The portable bundle's launcher (assemble/portable.ts). */
export const LAUNCHER = "sidebundle-launch";
/** The head of a single-file bundle (assemble/single.ts). */
export const SINGLE_HEAD = "sidebundle-single";
const STDIN_FILE = `${TOOLS_DIR}/stdin`;

const NODE_ARCHES: Record<string, string> = { x64: "amd64", arm64: "arm64", ia32: "386" };

/**
 * The platform of the tools that run in the build (the tracer, the packer, --test's shell): this
 * frontend's own, which BuildKit chose for the worker, so they run natively. A foreign platform's
 * program runs under the emulator, which the tracer traces. What goes into a bundle (the portable
 * launcher) is the target platform's.
 */
export const WORKER: Platform = { OS: "linux", Architecture: NODE_ARCHES[process.arch] ?? process.arch };

const binaries = new Map<string, Buffer>();

/** Where a tool of this machine is for the CLI: beside the bundled program (dist/, scripts/build.mjs). */
export function toolPath(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

const TOOLS = new URL("./tools/", import.meta.url);

function platformTool(name: string, platform: Platform): URL {
  return new URL(`./${platformId(platform).replaceAll("/", "_")}/${name}`, TOOLS);
}

/** Whether this image has a tool for a platform. */
export function hasTool(name: string, platform: Platform): boolean {
  return existsSync(platformTool(name, platform));
}

/** The platforms this image has a tool for, as --platform names them. */
export function toolPlatforms(name: string): string[] {
  const dirs = existsSync(TOOLS) ? readdirSync(TOOLS) : [];
  return dirs.filter((dir) => existsSync(new URL(`./${dir}/${name}`, TOOLS))).map((dir) => dir.replaceAll("_", "/"));
}

function binary(name: string, platform: Platform): Buffer {
  const path = platformTool(name, platform);
  let bytes = binaries.get(path.href);
  if (!bytes) binaries.set(path.href, (bytes = readFileSync(path)));
  return bytes;
}

/** Static tools (e.g. sidebundle-trace) of a platform on scratch, plus files such as a command's stdin. */
export function toolsState(tools: string[], files: Record<string, string> = {}, platform: Platform = WORKER): State {
  let actions = FileActions.empty();
  for (const name of tools) actions = actions.mkfile(`/${name}`, 0o755, binary(name, platform), { timestamp: 0n });
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
