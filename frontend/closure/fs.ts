// The read-only filesystem the closure engine works on. Paths are absolute inside the root;
// implementations never resolve symlinks on the engine's behalf except in readFile, which the
// engine only calls on paths it has already resolved (see resolve.ts).

export interface ByteRange {
  offset: number;
  length: number;
}

export type FileType = "file" | "dir" | "symlink" | "other";

export interface FileStat {
  type: FileType;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  size: number;
  uid: number;
  gid: number;
}

export interface RootFS {
  /** The whole file, or at most `range.length` bytes from `range.offset` (short at end of file). */
  readFile(path: string, range?: ByteRange): Promise<Uint8Array>;
  /** Does not follow a final symlink; resolves to undefined when the path does not exist. */
  lstat(path: string): Promise<FileStat | undefined>;
  /** Names in one directory, without "." and "..". */
  readdir(path: string): Promise<string[]>;
  readlink(path: string): Promise<string>;
}

/** The names in a path, without empty and "." components ("/a//./b" → ["a", "b"]). */
export function pathComponents(path: string): string[] {
  return path.split("/").filter((part) => part !== "" && part !== ".");
}

/** Lexical normalisation of an absolute path: no ".", no "..", no double or trailing slash. */
export function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const part of pathComponents(path)) {
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

export function dirname(path: string): string {
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.slice(0, cut);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function joinPath(dir: string, name: string): string {
  return name.startsWith("/") ? normalizePath(name) : normalizePath(`${dir}/${name}`);
}

/** "/a/b/c" → ["/a", "/a/b"]: the directories above a path, outermost first. */
export function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let dir = dirname(path); dir !== "/"; dir = dirname(dir)) out.unshift(dir);
  return out;
}
