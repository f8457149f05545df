// The plan's paths copied from a source directory of this machine into a bundle directory, as
// the frontend's copy op does: files and symlinks keep their source's mode, owner and time;
// directories get the plan's mode and owner (their times are set later, by stampTimes).
import { copyFile, lchown, chmod, lstat, mkdir, symlink } from "node:fs/promises";
import type { Plan } from "../closure/index.js";
import { pathBytes } from "../closure/fs.js";
import { setTime } from "../assemble/times.js";
import { forEachConcurrently } from "../concurrency.js";
import type { Progress } from "./progress.js";

const CONCURRENT_COPIES = 16;

/** Copies every entry of `plan` from `source` to `dest` (both directories, `dest` new or empty). */
export async function copyPlan(source: string, plan: Plan, dest: string, progress: Progress): Promise<void> {
  await mkdir(dest, { recursive: true });
  // Directories first, parents before children (the plan is sorted, and holds every parent).
  for (const e of plan.entries) {
    if (e.kind !== "dir") continue;
    const at = pathBytes(dest + e.path);
    await mkdir(at).catch(existing);
    await owned(at, e.owner?.uid ?? 0, e.owner?.gid ?? 0);
  }
  const rest = plan.entries.filter((e) => e.kind !== "dir");
  let done = 0;
  await forEachConcurrently(rest, CONCURRENT_COPIES, async (e) => {
    const [from, to] = [pathBytes(source + e.path), pathBytes(dest + e.path)];
    const st = await lstat(from, { bigint: true });
    if (e.kind === "symlink") await symlink(pathBytes(e.target), to);
    else await copyFile(from, to);
    await owned(to, Number(st.uid), Number(st.gid));
    if (e.kind === "file") await chmod(to, e.mode);
    await setTime(to, st.mtimeNs);
    progress.count("copied, files and symlinks:", ++done, rest.length);
  });
  // Modes last: a directory's may not let us write into it (as a user).
  for (const e of plan.entries) if (e.kind === "dir") await chmod(pathBytes(dest + e.path), e.mode);
}

/** Copies one file with its mode, owner and time (the source path's directories are real). */
export async function copyFileAs(from: Buffer, to: Buffer): Promise<void> {
  const st = await lstat(from, { bigint: true });
  await copyFile(from, to);
  await owned(to, Number(st.uid), Number(st.gid));
  await chmod(to, Number(st.mode & 0o7777n));
  await setTime(to, st.mtimeNs);
}

/** A path given an owner; as an ordinary user, whose own files these become, nothing is changed. */
async function owned(path: Buffer, uid: number, gid: number): Promise<void> {
  if (process.getuid?.() !== 0) return;
  await lchown(path, uid, gid);
}

function existing(err: NodeJS.ErrnoException): void {
  if (err.code !== "EEXIST") throw err;
}
