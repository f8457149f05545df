// --compress as a stage of its own: an exec op, in the frontend's own image, that packs the
// bundle's ELF executables with upx in the source, mounted writable (compression.ts). What it
// gives is the source with those files packed, which any layout then copies from, and a report:
// the packed files' new digests, for the manifest, and the files upx refused, as warnings.
import type { OpOptions, State } from "../../llb/index.js";
import type { Plan } from "../closure/index.js";
import type { Gateway } from "../gateway/client.js";
import { NODE } from "../resolve/layout.js";
import { RefFS } from "../source/ref-fs.js";
import { OUT_DIR, PROGRAM, REPORT_FILE, SOURCE_DIR, type CompressRequest, type Compression, type Refusal } from "./layout.js";

export interface CompressRun {
  /** The frontend's image (gateway/metadata.ts), which has Node, upx and the op's program. */
  image: State;
  source: State;
  request: CompressRequest;
}

export interface Compressed {
  /** The source with the packed files in place of the originals. */
  source: State;
  /** The state whose /compression.json is the Compression. */
  report: State;
}

export function compressRun(r: CompressRun, op: OpOptions): Compressed {
  const args = [NODE, PROGRAM, JSON.stringify(r.request)];
  const exec = r.image.run({ args, network: "none", mounts: [{ dest: SOURCE_DIR, from: r.source }, { dest: OUT_DIR }] }, op);
  return { source: exec.mount(SOURCE_DIR), report: exec.mount(OUT_DIR) };
}

/** The candidates: every file of the plan with an execute bit. */
export function compressRequest(plan: Plan, level: number | undefined): CompressRequest {
  const files = plan.entries.filter((e) => e.kind === "file" && (e.mode & 0o111) !== 0).map((e) => e.path);
  return level === undefined ? { files } : { files, level };
}

export async function readCompression(gw: Gateway, report: State): Promise<Compression> {
  return RefFS.readJson<Compression>(gw, report, `/${REPORT_FILE}`);
}

export function describeRefusal(r: Refusal): string {
  return `--compress: upx did not pack ${r.path}, which is bundled as it is (${r.cause})`;
}
