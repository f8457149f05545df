// RootFS over a directory of the host, used by the tests and the debugging CLI. Paths are
// appended to the root as they are: the engine resolves every symlink itself (resolve.ts) and
// only asks for paths whose directories are real, so the host never follows a link out of it.
// Names go to the host as the bytes they stand for (fs.ts: pathBytes), so that names that are not
// valid UTF-8 are found, and come back escaped.
import { open, lstat, readdir, readlink, readFile } from "node:fs/promises";
import type { Stats } from "node:fs";
import type { ByteRange, FileStat, FileType, RootFS } from "./fs.js";
import { normalizePath, pathBytes, pathFromBytes } from "./fs.js";

export class HostFS implements RootFS {
  constructor(readonly root: string) {}

  private host(path: string): Buffer {
    return pathBytes(this.root + normalizePath(path));
  }

  async readFile(path: string, range?: ByteRange): Promise<Uint8Array> {
    if (!range) return new Uint8Array(await readFile(this.host(path)));
    const handle = await open(this.host(path), "r");
    try {
      const buffer = new Uint8Array(range.length);
      const { bytesRead } = await handle.read(buffer, 0, range.length, range.offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async lstat(path: string): Promise<FileStat | undefined> {
    try {
      return toFileStat(await lstat(this.host(path)));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async readdir(path: string): Promise<string[]> {
    return (await readdir(this.host(path), { encoding: "buffer" })).map(pathFromBytes);
  }

  async readlink(path: string): Promise<string> {
    return pathFromBytes(await readlink(this.host(path), { encoding: "buffer" }));
  }
}

function toFileStat(stats: Stats): FileStat {
  return { type: fileType(stats), mode: stats.mode & 0o7777, size: stats.size, uid: stats.uid, gid: stats.gid };
}

function fileType(stats: Stats): FileType {
  if (stats.isFile()) return "file";
  if (stats.isDirectory()) return "dir";
  if (stats.isSymbolicLink()) return "symlink";
  return "other";
}

/**
 * Whether a path is absent for this reader: the CLI run by a user may meet directories it may
 * not search (root's home on its PATH), which the user's own programs cannot use either.
 */
function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "EACCES";
}
