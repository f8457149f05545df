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

// File names are bytes; the closure's paths are strings. A byte that is not part of valid UTF-8
// is the lone surrogate U+DC80..U+DCFF (Python's surrogateescape), as the tracer writes it
// (tracer-static/README.md), so every name has exactly one string and back.
const ESCAPED = /[\udc80-\udcff]/;

/** Whether a path holds bytes that are not valid UTF-8 (escaped as lone surrogates). */
export function hasEscapedBytes(path: string): boolean {
  return ESCAPED.test(path);
}

/** The bytes a path stands for. */
export function pathBytes(path: string): Buffer {
  if (!hasEscapedBytes(path)) return Buffer.from(path, "utf8");
  const parts: Buffer[] = [];
  let run = "";
  for (const c of path) {
    const code = c.charCodeAt(0);
    if (c.length === 1 && code >= 0xdc80 && code <= 0xdcff) {
      parts.push(Buffer.from(run, "utf8"), Buffer.from([code - 0xdc00]));
      run = "";
    } else {
      run += c;
    }
  }
  parts.push(Buffer.from(run, "utf8"));
  return Buffer.concat(parts);
}

/** The path string of a name's bytes: valid UTF-8 as it is, any other byte escaped. */
export function pathFromBytes(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString("utf8");
  if (!text.includes("\ufffd")) return text;
  let out = "";
  for (let i = 0; i < bytes.length; ) {
    const n = utf8Length(bytes, i);
    out += n ? Buffer.from(bytes.subarray(i, i + n)).toString("utf8") : String.fromCharCode(0xdc00 + bytes[i]!);
    i += n || 1;
  }
  return out;
}

/** Length of the well-formed UTF-8 sequence at `i`, 0 if ill-formed (as the tracer's utf8_seq). */
function utf8Length(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
  if (n === 0 || c > 0xf4 || i + n > b.length) return 0;
  for (let k = 1; k < n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return 0;
  const d = b[i + 1]!;
  if ((c === 0xe0 && d < 0xa0) || (c === 0xed && d > 0x9f) || (c === 0xf0 && d < 0x90) || (c === 0xf4 && d > 0x8f)) return 0;
  return n;
}
