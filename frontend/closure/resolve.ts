// Symlink and ".." resolution inside the root, the way the kernel does it for a process whose
// root directory is the image: absolute targets restart at the root, ".." stops at the root, and
// more than MAX_LINKS links on one lookup is a loop (ELOOP) rather than a hang. Every call to
// the underlying RootFS uses a path whose directories are already resolved, so an
// implementation never gets to follow a link itself. lstat and readlink results are cached.
import type { FileStat, RootFS } from "./fs.js";
import { joinPath, pathComponents } from "./fs.js";
import { memo } from "./memo.js";

const MAX_LINKS = 40; // Linux's limit per lookup

export interface SymlinkHop {
  /** Where the link is, with its directories resolved. */
  path: string;
  target: string;
}

export interface Resolved {
  /** The path with every symlink resolved (the final one only when following). */
  path: string;
  stat: FileStat;
  /** The links crossed on the way, in order. */
  links: SymlinkHop[];
}

export class SymlinkLoopError extends Error {
  constructor(readonly path: string) {
    super(`too many levels of symbolic links resolving ${path}`);
  }
}

export class Resolver {
  private readonly stats = new Map<string, Promise<FileStat | undefined>>();
  private readonly targets = new Map<string, Promise<string>>();

  constructor(readonly fs: RootFS) {}

  lstat(path: string): Promise<FileStat | undefined> {
    return memo(this.stats, path, () => this.fs.lstat(path));
  }

  readlink(path: string): Promise<string> {
    return memo(this.targets, path, () => this.fs.readlink(path));
  }

  /** Resolves `path` (relative paths start at `cwd`); undefined when it does not exist. */
  async resolve(path: string, followFinal = true, cwd = "/"): Promise<Resolved | undefined> {
    const pending = pathComponents(joinPath(cwd, path));
    const links: SymlinkHop[] = [];
    let current = "/";
    let stat = await this.lstat("/");
    while (pending.length > 0) {
      const name = pending.shift()!;
      if (stat?.type !== "dir") return undefined;
      if (name === "..") {
        current = joinPath(current, "..");
        stat = await this.lstat(current);
        continue;
      }
      const candidate = joinPath(current, name);
      stat = await this.lstat(candidate);
      if (!stat) return undefined;
      if (stat.type !== "symlink" || (pending.length === 0 && !followFinal)) {
        current = candidate;
        continue;
      }
      if (links.length === MAX_LINKS) throw new SymlinkLoopError(path);
      const target = await this.readlink(candidate);
      links.push({ path: candidate, target });
      pending.unshift(...pathComponents(target));
      if (target.startsWith("/")) current = "/";
      stat = await this.lstat(current);
    }
    return stat && { path: current, stat, links };
  }
}

/** The first executable file named `name` in the PATH directories, as PATH spells it. */
export async function findOnPath(resolver: Resolver, name: string, path = ""): Promise<string | undefined> {
  for (const dir of path.split(":").filter((d) => d.startsWith("/"))) {
    const found = await resolver.resolve(`${dir}/${name}`);
    if (found?.stat.type === "file" && (found.stat.mode & 0o111) !== 0) return `${dir}/${name}`;
  }
  return undefined;
}
