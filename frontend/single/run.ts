// The single-file op (assemble/single.ts), run by Node in the frontend image (main.ts): it writes
// <dir>/<first name> from the portable bundle mounted at BUNDLE_DIR, with
// sidebundle-single (beside this program in the image) as its head, and <dir>/<other name>
// symlinks to it; all dated `own`.
import { lutimes, mkdir, symlink, utimes } from "node:fs/promises";
import { join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSingleFile } from "./archive.js";

export const BUNDLE_DIR = "/bundle";
export const OUT_DIR = "/out";
/** The op's program in the frontend image (scripts/build.mjs, Dockerfile). */
export const PROGRAM = "/sidebundle/sidebundle-single.mjs";

export interface SingleRequest {
  dir: string;
  names: string[];
  /** Nanoseconds, as a decimal string. */
  own: string;
}

export async function singleMain(json: string): Promise<void> {
  const r = JSON.parse(json) as SingleRequest;
  const [first, ...others] = r.names;
  if (!first) throw new Error("no entries");
  const made = await mkdir(r.dir, { recursive: true, mode: 0o755 });
  const launcher = fileURLToPath(new URL("./sidebundle-single", import.meta.url));
  await writeSingleFile({ bundle: BUNDLE_DIR, launcher, out: join(r.dir, first), defaultEntry: others.length ? undefined : first });
  const seconds = Number(BigInt(r.own) / 1000n) / 1e6;
  await utimes(join(r.dir, first), seconds, seconds);
  for (const name of others) {
    await symlink(first, join(r.dir, name));
    await lutimes(join(r.dir, name), seconds, seconds);
  }
  // The directories made here, the deepest first (a directory's time changes as it fills).
  for (let dir = r.dir; made && dir.length >= made.length && dir !== OUT_DIR; dir = posix.dirname(dir)) await utimes(dir, seconds, seconds);
}
