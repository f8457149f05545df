// The single-file format (tracer-static/README.md): sidebundle-single, a portable bundle appended as
// an archive of records, and a trailer that names the archive's place, its sha256 and the default
// entry. Each file is raw deflate (RFC 1951, what the launcher inflates), or raw bytes when that
// is no smaller; hard links (a portable bundle's payload files and its content store) are stored
// once. Filesystem-only: the frontend's op and a command line can both write one.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { lstat, open, readdir, readFile, readlink, rm, stat, type FileHandle } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { createDeflateRaw, deflateRawSync } from "node:zlib";

export interface SingleFileOptions {
  /** The portable bundle's directory (bin/, launch/, payload/, data/, manifest.lock). */
  bundle: string;
  /** The sidebundle-single program, the file's head. */
  launcher: string;
  /** The file to write. */
  out: string;
  /** The entry run whatever the file is called: the only one, or none among several. */
  defaultEntry?: string;
}

const MAGIC = "sidebundle-single 1\n";
const MAGIC_SIZE = 24;
const ENTRY_SIZE = 256;
const RECORD_SIZE = 40;
/** Larger files are deflated as streams, through a temporary file beside the output. */
const IN_MEMORY = 64 << 20;

type Kind = "d" | "f" | "l" | "h";
type Meta = { mode: number; mtimeNs: bigint };

/** Writes the file; returns the archive's sha256 (the launcher's cache directory name). */
export async function writeSingleFile(o: SingleFileOptions): Promise<string> {
  const entry = Buffer.from(o.defaultEntry ?? "");
  if (entry.length >= ENTRY_SIZE || entry.includes(0) || entry.includes(0x2f)) throw new Error(`${o.defaultEntry}: not an entry name`);
  const out = await open(o.out, "w", 0o755);
  try {
    const head = await readFile(o.launcher);
    await out.write(head);
    const archive = new ArchiveWriter(out, head.length, `${o.out}.deflating`);
    await archive.tree(Buffer.from(o.bundle), Buffer.alloc(0));
    const sha = archive.hash.digest("hex");
    const trailer = Buffer.alloc(MAGIC_SIZE + 16 + 64 + ENTRY_SIZE);
    trailer.write(MAGIC, 0, "latin1");
    trailer.writeBigUInt64LE(BigInt(head.length), MAGIC_SIZE);
    trailer.writeBigUInt64LE(BigInt(archive.position - head.length), MAGIC_SIZE + 8);
    trailer.write(sha, MAGIC_SIZE + 16, "latin1");
    entry.copy(trailer, MAGIC_SIZE + 16 + 64);
    await out.write(trailer, 0, trailer.length, archive.position);
    await out.chmod(0o755);
    return sha;
  } finally {
    await out.close();
  }
}

class ArchiveWriter {
  readonly hash = createHash("sha256");
  /** The first path of each multiply linked inode. */
  private readonly links = new Map<string, Buffer>();

  constructor(
    private readonly out: FileHandle,
    public position: number,
    private readonly scratch: string,
  ) {}

  /** The directory's records, names in byte order so that the same tree gives the same file. */
  async tree(root: Buffer, dir: Buffer): Promise<void> {
    const here = dir.length ? Buffer.concat([root, Buffer.from("/"), dir]) : root;
    const names = (await readdir(here, { encoding: "buffer" })).sort(Buffer.compare);
    for (const name of names) {
      const path = dir.length ? Buffer.concat([dir, Buffer.from("/"), name]) : name;
      const full = Buffer.concat([root, Buffer.from("/"), path]);
      const st = await lstat(full, { bigint: true });
      const meta = { mode: Number(st.mode & 0o7777n), mtimeNs: st.mtimeNs };
      if (st.isDirectory()) {
        await this.record("d", path, meta, 0, Buffer.alloc(0));
        await this.tree(root, path);
      } else if (st.isSymbolicLink()) {
        const target = await readlink(full, { encoding: "buffer" });
        await this.record("l", path, meta, target.length, target);
      } else if (st.isFile()) {
        const inode = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1n ? this.links.get(inode) : undefined;
        if (first) {
          await this.record("h", path, meta, first.length, first);
          continue;
        }
        if (st.nlink > 1n) this.links.set(inode, path);
        await this.file(path, full, meta, Number(st.size));
      } else {
        throw new Error(`${full.toString()}: not a file, directory or symlink`);
      }
    }
  }

  /** A file's record: deflated, or raw when deflate saves nothing. */
  private async file(path: Buffer, full: Buffer, meta: Meta, size: number): Promise<void> {
    if (size <= IN_MEMORY) {
      const bytes = await readFile(full);
      const packed = deflateRawSync(bytes);
      return this.record("f", path, meta, bytes.length, packed.length < bytes.length ? packed : bytes);
    }
    await pipeline(createReadStream(full), createDeflateRaw(), createWriteStream(this.scratch));
    const packed = (await stat(this.scratch)).size;
    const from = packed < size ? this.scratch : full;
    await this.record("f", path, meta, size, Buffer.alloc(0), Math.min(packed, size));
    for await (const chunk of createReadStream(from)) await this.append(chunk as Buffer);
    await rm(this.scratch);
  }

  /** The header, the path and `stored` (or, when `streamed` is given, that many bytes to follow). */
  private async record(kind: Kind, path: Buffer, meta: Meta, size: number, stored: Buffer, streamed?: number): Promise<void> {
    const h = Buffer.alloc(RECORD_SIZE);
    h.writeUInt32LE(kind.charCodeAt(0), 0);
    h.writeUInt32LE(meta.mode, 4);
    h.writeBigInt64LE(meta.mtimeNs / 1_000_000_000n, 8);
    h.writeUInt32LE(Number(meta.mtimeNs % 1_000_000_000n), 16);
    h.writeUInt32LE(path.length, 20);
    h.writeBigUInt64LE(BigInt(size), 24);
    h.writeBigUInt64LE(BigInt(streamed ?? stored.length), 32);
    for (const part of [h, path, stored]) await this.append(part);
  }

  private async append(part: Buffer): Promise<void> {
    this.hash.update(part);
    await this.out.write(part, 0, part.length, this.position);
    this.position += part.length;
  }
}
