// --layout=single-file: the portable bundle (portable.ts, assembled at "/") written as one file,
// <prefix>/<first entry>, by Node in the frontend's image (single/main.ts); every other entry is a
// symlink beside it, by whose name the file runs that entry.
import { posix } from "node:path";
import { FileActions, State, type OpOptions, type Platform } from "../../llb/index.js";
import { NODE } from "../resolve/layout.js";
import { BUNDLE_DIR, OUT_DIR, PROGRAM, type SingleRequest } from "../single/run.js";
import { SINGLE_HEAD, TOOLS_DIR, toolsState } from "../trace/tools.js";

export interface SingleOptions {
  /** The entries' names, the file's first. */
  names: string[];
  /** The file's directory in the image. */
  prefix: string;
  /** Nanoseconds: the time of the file, its links and the directories made for them. */
  own: bigint;
  /** The frontend's image, which runs the op. */
  image: State;
  /** The bundle's platform, whose single-file launcher heads the file. */
  platform: Platform;
}

export function assembleSingle(portable: State, o: SingleOptions, op: OpOptions): State {
  const request: SingleRequest = { dir: posix.join(OUT_DIR, o.prefix), names: o.names, own: String(o.own), launcher: `${TOOLS_DIR}/${SINGLE_HEAD}` };
  const mounts = [
    { dest: BUNDLE_DIR, from: portable, readonly: true },
    { dest: TOOLS_DIR, from: toolsState([SINGLE_HEAD], {}, o.platform), readonly: true },
    { dest: OUT_DIR, from: State.scratch() },
  ];
  const out = o.image.run({ args: [NODE, PROGRAM, JSON.stringify(request)], network: "none", mounts }, { ...op, customName: `${op.customName} (single file)` }).mount(OUT_DIR);
  return State.scratch().file(FileActions.empty().copy(out, "/", "/", { dirCopyContents: true }), op);
}
