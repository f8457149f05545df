// Every path of an assembled bundle gets a fixed time, the source's where it comes from: Python
// checks a .pyc against its source's mtime, servers send Last-Modified. Copies keep a file's
// time, but writing into a directory changes the directory's, so the directories' times are set
// last, in an exec op: Node, in the frontend's own image, over the tree and the source (mounted
// read-only). With SOURCE_DATE_EPOCH no time is later than it, as BuildKit's own rewrite does.
import { link, lstat, lutimes, readdir, unlink } from "node:fs/promises";
import type { OpOptions, State } from "../../llb/index.js";
import { NODE } from "../resolve/layout.js";

export interface Times {
  /** Nanoseconds for what is not the source's (SOURCE_DATE_EPOCH, else 0). */
  own: bigint;
  /** SOURCE_DATE_EPOCH in nanoseconds when it is given: later times become it. */
  clamp?: bigint;
}

export interface StampOptions extends Times {
  /** Where the source's root is in the tree: "" (its root), or <prefix>/payload in a portable bundle. */
  payload: string;
}

const TREE_DIR = "/tree";
const SOURCE_DIR = "/source";
/** The op's program in the frontend image (scripts/build.mjs, Dockerfile). */
const PROGRAM = "/sidebundle/sidebundle-times.mjs";

export interface StampRun {
  /** The frontend's image (gateway/metadata.ts), which has Node and the op's program. */
  image: State;
  tree: State;
  source: State;
  options: StampOptions;
}

/** The tree with every time fixed (an exec op's mount: copy it onto scratch for one layer). */
export function stampRun(r: StampRun, op: OpOptions): State {
  const mounts = [
    { dest: TREE_DIR, from: r.tree },
    { dest: SOURCE_DIR, from: r.source, readonly: true },
  ];
  const args = [NODE, PROGRAM, JSON.stringify(r.options, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))];
  return r.image.run({ args, network: "none", mounts }, op).mount(TREE_DIR);
}

/** The op's program: `node sidebundle-times.mjs OPTIONS-JSON`. */
export async function stampMain(json: string): Promise<void> {
  const o = JSON.parse(json) as Record<string, string | undefined>;
  const options = { payload: o.payload ?? "", own: BigInt(o.own ?? 0), clamp: o.clamp === undefined ? undefined : BigInt(o.clamp) };
  await stampTimes(TREE_DIR, SOURCE_DIR, options);
}

interface Entry {
  path: string;
  ino: bigint;
  nlink: bigint;
  mtimeNs: bigint;
}

/**
 * Files and symlinks keep their time (the source's, copied), clamped; directories take the
 * source's directory at the same path, clamped, or `own` where the source has none (or it is the
 * source's root). Files
 * first: re-linking a hard link (below) writes into its directory.
 */
export async function stampTimes(tree: string, source: string, o: StampOptions): Promise<void> {
  const files: Entry[] = [];
  const dirs: { path: string; time: bigint }[] = [];
  const clamp = (t: bigint) => (o.clamp !== undefined && t > o.clamp ? o.clamp : t);
  const [inTree, inSource] = [under(tree), under(source)];
  const payload = asBytes(o.payload);

  // `sourcePath`: the same directory in the source, if its parent there is a real directory
  // (so no symlink is ever followed in the source).
  const walk = async (path: string, sourcePath: string | undefined): Promise<void> => {
    const original = sourcePath === undefined ? undefined : await lstat(inSource(sourcePath), { bigint: true }).catch(() => undefined);
    const sourceDir = original?.isDirectory() ? sourcePath : undefined;
    for (const name of (await readdir(inTree(path), { encoding: "latin1" })).sort()) {
      const child = `${path}/${name}`;
      const st = await lstat(inTree(child), { bigint: true });
      if (!st.isDirectory()) files.push({ path: child, ino: st.ino, nlink: st.nlink, mtimeNs: st.mtimeNs });
      else await walk(child, child === payload ? "" : sourceDir === undefined ? undefined : `${sourceDir}/${name}`);
    }
    // The source's root is no layer's (its time varies from build to build): it is dated `own`.
    const fromSource = original && sourceDir !== undefined && sourceDir !== "";
    dirs.push({ path, time: fromSource ? clamp(original.mtimeNs) : o.own });
  };
  await walk("", payload === "" ? "" : undefined);

  await clampFiles(inTree, files, clamp);
  for (const d of dirs) await setTime(inTree(d.path || "/"), d.time);
}

/**
 * Paths inside the walk are their bytes, one character each (latin1): names need not be UTF-8
 * (closure/fs.ts), and what readdir decodes as UTF-8 could not be found again.
 */
function asBytes(path: string): string {
  return Buffer.from(path).toString("latin1");
}

/** A root directory's path joined with such a path, as the Buffer fs calls take. */
function under(root: string): (path: string) => Buffer {
  const prefix = Buffer.from(root);
  return (path) => Buffer.concat([prefix, Buffer.from(path, "latin1")]);
}

/**
 * A portable bundle's files are hard links into its content store; on overlayfs, changing one
 * link's time copies that link alone up, so the others are linked to it again.
 */
async function clampFiles(at: (path: string) => Buffer, files: Entry[], clamp: (t: bigint) => bigint): Promise<void> {
  const links = new Map<bigint, string[]>();
  for (const f of files) if (f.nlink > 1n) links.set(f.ino, [...(links.get(f.ino) ?? []), f.path]);
  const done = new Set<bigint>();
  for (const f of files) {
    const time = clamp(f.mtimeNs);
    if (time === f.mtimeNs || done.has(f.ino)) continue;
    done.add(f.ino);
    await setTime(at(f.path), time);
    for (const other of links.get(f.ino) ?? []) {
      if (other === f.path) continue;
      await unlink(at(other));
      await link(at(f.path), at(other));
    }
  }
}

/** Node takes seconds as a double: near a microsecond, never rounded into the next second. */
export function setTime(path: Buffer, ns: bigint): Promise<void> {
  const seconds = Number(ns / 1000n) / 1e6;
  return lutimes(path, seconds, seconds);
}
