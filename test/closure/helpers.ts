// Test doubles over the RootFS interface: a wrapper that counts bytes read, and an overlay of
// in-memory files and links over a base root (to add scripts to the cached rootfs).
import { chmodSync, copyFileSync, mkdirSync, symlinkSync } from "node:fs";
import type { ByteRange, FileStat, RootFS } from "../../frontend/closure/fs.js";
import type { Plan } from "../../frontend/closure/plan.js";
import { describeReason } from "../../frontend/closure/reasons.js";
import { dirname, basename } from "../../frontend/closure/fs.js";

export class CountingFS implements RootFS {
  bytesRead = 0;
  /** Paths read without a range, i.e. whole. */
  readonly wholeReads: string[] = [];
  /** Every path read from, whole or in part. */
  readonly examined = new Set<string>();

  constructor(private readonly base: RootFS) {}

  async readFile(path: string, range?: ByteRange): Promise<Uint8Array> {
    const bytes = await this.base.readFile(path, range);
    this.bytesRead += bytes.length;
    this.examined.add(path);
    if (!range) this.wholeReads.push(path);
    return bytes;
  }
  lstat(path: string) {
    return this.base.lstat(path);
  }
  readdir(path: string) {
    return this.base.readdir(path);
  }
  readlink(path: string) {
    return this.base.readlink(path);
  }
}

export type OverlayNode = { file: string | Uint8Array; mode?: number } | { symlink: string } | { dir: true; mode?: number; uid?: number; gid?: number };

const ROOT = { uid: 0, gid: 0 };

export class OverlayFS implements RootFS {
  constructor(
    private readonly base: RootFS,
    private readonly nodes: Record<string, OverlayNode>,
  ) {}

  async readFile(path: string, range?: ByteRange): Promise<Uint8Array> {
    const node = this.nodes[path];
    if (!node) return this.base.readFile(path, range);
    if (!("file" in node)) throw new Error(`${path} is not a file`);
    const bytes = Buffer.from(node.file);
    return range ? bytes.subarray(range.offset, range.offset + range.length) : bytes;
  }

  async lstat(path: string): Promise<FileStat | undefined> {
    const node = this.nodes[path];
    if (!node) return (await this.base.lstat(path)) ?? (this.isOverlayDir(path) ? { type: "dir", mode: 0o755, size: 0, ...ROOT } : undefined);
    if ("file" in node) return { type: "file", mode: node.mode ?? 0o755, size: node.file.length, ...ROOT };
    if ("symlink" in node) return { type: "symlink", mode: 0o777, size: node.symlink.length, ...ROOT };
    return { type: "dir", mode: node.mode ?? 0o755, size: 0, uid: node.uid ?? 0, gid: node.gid ?? 0 };
  }

  async readdir(path: string): Promise<string[]> {
    const own = Object.keys(this.nodes).filter((p) => dirname(p) === path).map(basename);
    const base = (await this.base.lstat(path)) ? await this.base.readdir(path) : [];
    return [...new Set([...base, ...own])];
  }

  async readlink(path: string): Promise<string> {
    const node = this.nodes[path];
    if (!node) return this.base.readlink(path);
    if (!("symlink" in node)) throw new Error(`${path} is not a symlink`);
    return node.symlink;
  }

  private isOverlayDir(path: string): boolean {
    return Object.keys(this.nodes).some((p) => p.startsWith(`${path}/`));
  }
}

/** An overlay with nothing underneath: a root made only of the given nodes. */
export function memoryRoot(nodes: Record<string, OverlayNode>): RootFS {
  const empty: RootFS = {
    readFile: async (path) => {
      throw new Error(`${path} does not exist`);
    },
    lstat: async (path) => (path === "/" ? { type: "dir", mode: 0o755, size: 0, ...ROOT } : undefined),
    readdir: async () => [],
    readlink: async (path) => {
      throw new Error(`${path} does not exist`);
    },
  };
  return new OverlayFS(empty, nodes);
}

/** Writes a plan's entries under `dir` from `root` (a minimal stand-in for the assemble stage). */
export function materialize(plan: Plan, root: string, dir: string): void {
  for (const entry of plan.entries) {
    const target = dir + entry.path;
    if (entry.kind === "dir") mkdirSync(target, { recursive: true, mode: entry.mode });
    else if (entry.kind === "symlink") symlinkSync(entry.target, target);
    else {
      copyFileSync(root + entry.path, target);
      chmodSync(target, entry.mode);
    }
  }
}

/** An x86-64 ELF header with `phnum` program headers at 4096 (past the end when phnum > 0). */
export function elfHeader(phnum: number): Buffer {
  const header = Buffer.alloc(64);
  header.write("\x7fELF", 0, "latin1");
  header.set([2, 1, 1], 4); // 64-bit, little endian, version 1
  header.writeUInt16LE(2, 16); // ET_EXEC
  header.writeUInt16LE(62, 18); // x86-64
  header.writeBigUInt64LE(4096n, 32); // e_phoff
  header.writeUInt16LE(56, 54); // e_phentsize
  header.writeUInt16LE(phnum, 56); // e_phnum
  return header;
}

/** The plan's paths, in order. */
export const paths = (plan: Plan) => plan.entries.map((e) => e.path);

/** Why `path` is in the plan, as manifest.lock says it. */
export const reasonsOf = (plan: Plan, path: string) => plan.entries.find((e) => e.path === path)?.reasons.map(describeReason);
