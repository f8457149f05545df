// The single-file op (assemble/single.ts), run by Node in the frontend image (main.ts): it writes
// <dir>/<first name> from the portable bundle mounted at BUNDLE_DIR, with the bundle's platform's
// sidebundle-single (mounted in the op) as its head, and <dir>/<other name>
// symlinks to it; all dated `own`. The CLI writes the same with writeEntryFiles.
import { lutimes, mkdir, symlink, utimes } from "node:fs/promises";
import { join, posix } from "node:path";
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
  /** The bundle's platform's sidebundle-single, mounted in the op. */
  launcher: string;
}

export async function singleMain(json: string): Promise<void> {
  const r = JSON.parse(json) as SingleRequest;
  await writeEntryFiles({ bundle: BUNDLE_DIR, launcher: r.launcher, dir: r.dir, names: r.names, own: BigInt(r.own), top: OUT_DIR });
}

export interface EntryFiles {
  /** The portable bundle's directory. */
  bundle: string;
  /** The sidebundle-single program. */
  launcher: string;
  dir: string;
  names: string[];
  /** Nanoseconds. */
  own: bigint;
  /** The output's root: the directories made above `dir`, up to it, are dated `own` too. */
  top: string;
}

/** <dir>/<first name> as a single file of `bundle`, <dir>/<other name> symlinks to it; all dated `own`. */
export async function writeEntryFiles(o: EntryFiles): Promise<void> {
  const [first, ...others] = o.names;
  if (!first) throw new Error("no entries");
  const made = await mkdir(o.dir, { recursive: true, mode: 0o755 });
  await writeSingleFile({ bundle: o.bundle, launcher: o.launcher, out: join(o.dir, first), defaultEntry: others.length ? undefined : first });
  const seconds = Number(o.own / 1000n) / 1e6;
  await utimes(join(o.dir, first), seconds, seconds);
  for (const name of others) {
    await symlink(first, join(o.dir, name));
    await lutimes(join(o.dir, name), seconds, seconds);
  }
  // The directories made here, the deepest first (a directory's time changes as it fills).
  for (let dir = o.dir; made && dir.length >= made.length && dir !== o.top; dir = posix.dirname(dir)) await utimes(dir, seconds, seconds);
}
