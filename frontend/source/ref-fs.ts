// A read-only RootFS over a BuildKit result (a gateway ref): what the frontend reads of op
// outputs, and of a source when a --test fails. Ranged ReadFile and one-level ReadDir.
// StatFile follows symlinks on Docker 26 (BuildKit 0.13), so lstat and readlink read the
// entry from its parent directory's listing, which never follows.
// Each directory is listed once: a ref never changes, and a round trip costs more than a listing.
import type { State } from "../../llb/index.js";
import { BuildkitError } from "../gateway/errors.js";
import type { Gateway } from "../gateway/client.js";
import type { Stat } from "../gateway/types.js";
import type { ByteRange, FileStat, RootFS } from "../closure/index.js";

// Before BuildKit 0.14 the gateway's messages are capped at 4 MiB.
const CHUNK = 4 << 20;

// Go's os.FileMode type and special bits, as StatFile reports them.
const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;
const MODE_SETUID = 2 ** 23;
const MODE_SETGID = 2 ** 22;
const MODE_STICKY = 2 ** 20;
const MODE_IRREGULAR = 2 ** 26 | 2 ** 25 | 2 ** 24 | 2 ** 21 | 2 ** 19; // device, pipe, socket, chardev, irregular

export class RefFS implements RootFS {
  private readonly listings = new Map<string, Promise<Map<string, Stat> | undefined>>();

  constructor(
    private readonly gw: Gateway,
    private readonly ref: string,
  ) {}

  /** Solves the state (e.g. an op's output mount) and reads its result. */
  static async solve(gw: Gateway, state: State): Promise<RefFS> {
    return new RefFS(gw, (await gw.solve({ Definition: state.marshal() })).ref?.id ?? "");
  }

  /** A JSON file of a state's result: what one of our exec ops wrote (resolve, compress). */
  static async readJson<T>(gw: Gateway, state: State, path: string): Promise<T> {
    return JSON.parse(await (await RefFS.solve(gw, state)).readText(path)) as T;
  }

  /** A whole file as UTF-8 text. */
  async readText(path: string): Promise<string> {
    return Buffer.from(await this.readFile(path)).toString("utf8");
  }

  async readFile(path: string, range?: ByteRange): Promise<Uint8Array> {
    if (range) return this.read(path, range.offset, range.length);
    const size = (await this.lstat(path))?.size ?? 0;
    return size <= CHUNK ? this.read(path) : this.read(path, 0, size);
  }

  async lstat(path: string): Promise<FileStat | undefined> {
    const stat = await this.entry(path);
    return stat && toFileStat(stat);
  }

  async readdir(path: string): Promise<string[]> {
    const listing = await this.listing(path);
    if (!listing) throw new Error(`${path}: no such directory`);
    return [...listing.keys()];
  }

  async readlink(path: string): Promise<string> {
    const stat = await this.entry(path);
    if (!stat?.linkname) throw new Error(`${path} is not a symlink`);
    return stat.linkname;
  }

  private async entry(path: string): Promise<Stat | undefined> {
    if (path === "/") return this.gw.statFile(this.ref, "/");
    const cut = path.lastIndexOf("/");
    return (await this.listing(path.slice(0, cut) || "/"))?.get(path.slice(cut + 1));
  }

  private listing(dir: string): Promise<Map<string, Stat> | undefined> {
    let listing = this.listings.get(dir);
    if (!listing) {
      listing = this.gw.readDir(this.ref, dir).then((entries) => new Map(entries.map((e) => [e.path, e])), missingAsUndefined);
      this.listings.set(dir, listing);
    }
    return listing;
  }

  private async read(path: string, offset?: number, length?: number): Promise<Uint8Array> {
    const range = offset === undefined ? undefined : { offset, length: length! };
    if (range && range.length > CHUNK) {
      const parts: Uint8Array[] = [];
      for (let o = 0; o < range.length; o += CHUNK) parts.push(await this.read(path, range.offset + o, Math.min(CHUNK, range.length - o)));
      return Buffer.concat(parts);
    }
    return this.gw.readFile(this.ref, path, range);
  }
}

function missingAsUndefined(err: unknown): undefined {
  if (err instanceof BuildkitError && /no such file|not a directory/i.test(err.message)) return undefined;
  throw err;
}

function toFileStat(stat: Stat): FileStat {
  const mode = stat.mode >>> 0;
  const type = mode & MODE_DIR ? "dir" : mode & MODE_SYMLINK ? "symlink" : mode & MODE_IRREGULAR ? "other" : "file";
  const special = (mode & MODE_SETUID ? 0o4000 : 0) | (mode & MODE_SETGID ? 0o2000 : 0) | (mode & MODE_STICKY ? 0o1000 : 0);
  return { type, mode: (mode & 0o777) | special, size: stat.size ?? 0, uid: stat.uid ?? 0, gid: stat.gid ?? 0 };
}
