// The resolve step as an exec op: Node, in the frontend's own image, runs resolution.ts over the
// source mounted read-only, with the trace logs beside it. BuildKit caches the op like any
// other, so a rebuild with nothing changed reads one small file instead of the whole closure.
import type { MountSpec, OpOptions, State } from "../../llb/index.js";
import type { Gateway } from "../gateway/client.js";
import { RefFS } from "../source/ref-fs.js";
import { RESULT_DIR, TRACE_LOG } from "../trace/tools.js";
import { NODE, OUT_DIR, PROGRAM, RESOLUTION_FILE, SOURCE_DIR, TRACES_DIR } from "./layout.js";
import type { Resolution, ResolveRequest } from "./resolution.js";

export interface ResolveRun {
  /** The frontend's image (gateway/metadata.ts), which has Node and the op's program. */
  image: State;
  source: State;
  /** Each --trace's output directory (trace/trace-run.ts). */
  traces: State[];
  request: ResolveRequest;
}

/** The state whose /resolution.json is the Resolution. */
export function resolveRun(r: ResolveRun, op: OpOptions): State {
  const traceDirs = r.traces.map((_, i) => `${TRACES_DIR}/${i + 1}`);
  const mounts: MountSpec[] = [
    { dest: SOURCE_DIR, from: r.source, readonly: true },
    ...r.traces.map((from, i) => ({ dest: traceDirs[i], from, selector: RESULT_DIR, readonly: true })),
    { dest: OUT_DIR },
  ];
  const logs = traceDirs.map((dir) => `${dir}/${TRACE_LOG}`);
  return r.image.run({ args: [NODE, PROGRAM, JSON.stringify(r.request), ...logs], network: "none", mounts }, op).mount(OUT_DIR);
}

export async function readResolution(gw: Gateway, out: State): Promise<Resolution> {
  return RefFS.readJson<Resolution>(gw, out, `/${RESOLUTION_FILE}`);
}
