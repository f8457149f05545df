// An image's layers applied in order onto one directory, as an overlay filesystem would show
// them, without running anything: whiteouts (.wh.<name>) delete a lower layer's path, an opaque
// marker (.wh..wh..opq) empties a lower layer's directory, a path replaces whatever a lower layer
// had there (a directory replaces a symlink: the layer's own tree never follows one), and hard
// links are made to the file already extracted, whichever layer wrote it. Nothing is written
// through a symlink, so no layer reaches outside the directory.
import { createReadStream } from "node:fs";
import { chmod, lchown, link, lstat, lutimes, mkdir, open, readdir, rm, symlink } from "node:fs/promises";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { extract, type Header } from "tar-stream";
import { normalizePath, pathBytes, pathComponents } from "../../closure/fs.js";

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";
/** aufs' own bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not paths of the image. */
const AUFS_META = ".wh..wh.";

/** Each layer's path (a tar, gzip or plain) applied in order onto `root`. */
export async function flattenLayers(layers: string[], root: string, onLayer: (done: number) => void = () => {}): Promise<void> {
  await mkdir(root, { recursive: true });
  const dirs = new Map<string, DirMeta>();
  for (const [index, layer] of layers.entries()) {
    await applyLayer(root, await layerStream(layer), dirs).catch((err: Error) => {
      throw new Error(`layer ${index + 1} of ${layers.length}: ${err.message}`);
    });
    onLayer(index + 1);
  }
  // Last: writing into a directory changes its time, and its mode may not let us write (as a user).
  for (const [path, { mode, time }] of dirs) {
    const at = pathBytes(root + path);
    if (!(await lstat(at).catch(() => undefined))?.isDirectory()) continue;
    await chmod(at, mode);
    await lutimes(at, time, time);
  }
}

/** A directory's mode and time, set once every layer is applied. */
interface DirMeta {
  mode: number;
  time: Date;
}

/** One layer's tar onto `root`; `dirs` collects directories' modes and times, set once all are applied. */
export async function applyLayer(root: string, tar: Readable, dirs: Map<string, DirMeta>): Promise<void> {
  const written = new Set<string>();
  const ex = extract();
  tar.on("error", (err) => ex.destroy(err));
  tar.pipe(ex);
  for await (const entry of ex) {
    await applyEntry(root, entry.header, entry, written, dirs);
    entry.resume();
  }
}

async function applyEntry(root: string, header: Header, content: AsyncIterable<unknown>, written: Set<string>, dirs: Map<string, DirMeta>): Promise<void> {
  const path = entryPath(header.name);
  if (path === undefined) return;
  const name = path.slice(path.lastIndexOf("/") + 1);
  const parent = path.slice(0, path.lastIndexOf("/")) || "/";
  const host = (p: string) => pathBytes(root + p);
  if (name === OPAQUE) {
    if (await realDir(root, parent)) await emptyDir(root, parent, written);
    return;
  }
  if (name.startsWith(AUFS_META)) return;
  if (name.startsWith(WHITEOUT)) {
    if (await realDir(root, parent)) await rm(host(`${parent === "/" ? "" : parent}/${name.slice(WHITEOUT.length)}`), { recursive: true, force: true });
    return;
  }
  await makeParents(root, parent);
  const at = host(path);
  const existing = await lstat(at).catch(() => undefined);
  if (existing && !(existing.isDirectory() && header.type === "directory")) await rm(at, { recursive: true, force: true });
  switch (header.type) {
    case "directory":
      if (!existing?.isDirectory()) await mkdir(at, { mode: 0o755 });
      await owned(at, header);
      dirs.set(path, { mode: header.mode & 0o7777, time: header.mtime });
      break;
    case "file":
    case "contiguous-file":
      await writeContent(at, content);
      await owned(at, header);
      await chmod(at, header.mode & 0o7777);
      await lutimes(at, header.mtime, header.mtime);
      break;
    case "symlink":
      await symlink(pathBytes(header.linkname), at);
      await owned(at, header);
      await lutimes(at, header.mtime, header.mtime);
      break;
    case "link": {
      const target = entryPath(header.linkname);
      const found = target && (await realDir(root, target.slice(0, target.lastIndexOf("/")) || "/")) ? await lstat(host(target)).catch(() => undefined) : undefined;
      if (!target || !found || found.isDirectory()) throw new Error(`${path} is a hard link to ${header.linkname}, which no layer so far has as a file`);
      await link(host(target), at);
      break;
    }
    default:
      // Devices and FIFOs: a bundle never copies them.
      return;
  }
  written.add(path);
}

/** A member's bytes into a new file, as they arrive. */
async function writeContent(at: Buffer, content: AsyncIterable<unknown>): Promise<void> {
  const file = await open(at, "wx", 0o600);
  try {
    for await (const chunk of content) await file.write(chunk as Uint8Array);
  } finally {
    await file.close();
  }
}

/** A member's name as an absolute normalised path; undefined for the root or a name with "..". */
export function entryPath(name: string): string | undefined {
  const parts = pathComponents(name);
  if (parts.length === 0 || parts.includes("..")) return undefined;
  return normalizePath(parts.join("/"));
}

/** Whether `dir` and every directory above it are real directories (no symlink on the way). */
async function realDir(root: string, dir: string): Promise<boolean> {
  let at = "";
  for (const part of ["", ...pathComponents(dir)]) {
    at = part ? `${at}/${part}` : "";
    if (!(await lstat(pathBytes(root + (at || "/"))).catch(() => undefined))?.isDirectory()) return false;
  }
  return true;
}

/** The directories above a path, made where missing; a lower layer's file or symlink there is replaced. */
async function makeParents(root: string, dir: string): Promise<void> {
  let at = "";
  for (const part of pathComponents(dir)) {
    at = `${at}/${part}`;
    const host = pathBytes(root + at);
    const st = await lstat(host).catch(() => undefined);
    if (st?.isDirectory()) continue;
    if (st) await rm(host, { force: true });
    await mkdir(host, { mode: 0o755 });
  }
}

/** An opaque directory: what lower layers put in it goes; what this layer wrote stays. */
async function emptyDir(root: string, dir: string, written: Set<string>): Promise<void> {
  const base = dir === "/" ? "" : dir;
  for (const name of await readdir(pathBytes(root + dir), { encoding: "buffer" })) {
    const path = `${base}/${name.toString()}`;
    if (!written.has(path)) await rm(Buffer.concat([pathBytes(root + base + "/"), name]), { recursive: true, force: true });
  }
}

/** The owner a member names, when we may give files away (as root). */
async function owned(at: Buffer, header: Header): Promise<void> {
  if (process.getuid?.() === 0) await lchown(at, header.uid, header.gid);
}

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];

/** A layer file as an uncompressed tar stream (plain or gzip; zstd is named as unsupported). */
export async function layerStream(file: string): Promise<Readable> {
  const handle = await open(file, "r");
  const { buffer } = await handle.read(Buffer.alloc(4), 0, 4, 0).finally(() => handle.close());
  const starts = (magic: number[]) => magic.every((b, i) => buffer[i] === b);
  if (starts(ZSTD)) throw new Error("the layer is zstd-compressed, which this CLI cannot read (save the image with gzip or uncompressed layers)");
  const input = createReadStream(file);
  if (!starts(GZIP)) return input;
  const gunzip = createGunzip();
  input.on("error", (err) => gunzip.destroy(err));
  return input.pipe(gunzip);
}
