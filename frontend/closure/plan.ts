// The plan: what the assemble stage copies, each path with the reasons it is there. Sorted by
// path, reasons sorted, so equal inputs give byte-identical plans.
import picomatch from "picomatch";
import { ancestors, type FileStat } from "./fs.js";
import { keyOf, type Reason, type Warning } from "./reasons.js";
import { SymlinkLoopError, type Resolved, type Resolver } from "./resolve.js";

export interface PlanFile {
  kind: "file";
  path: string;
  size: number;
  /** Permission bits, setuid/setgid/sticky included. */
  mode: number;
  reasons: Reason[];
}

export interface PlanSymlink {
  kind: "symlink";
  path: string;
  /** The link's target exactly as stored (relative or absolute inside the root). */
  target: string;
  reasons: Reason[];
}

export interface Owner {
  uid: number;
  gid: number;
}

export interface PlanDir {
  kind: "dir";
  path: string;
  mode: number;
  /** The source's owner, when it is not root (programs write state into such directories). */
  owner?: Owner;
  /** `parent` for directories that are only there because something below them is. */
  reasons: Reason[];
}

export type PlanEntry = PlanFile | PlanSymlink | PlanDir;

export interface Plan {
  /** Every file, symlink and directory, sorted by path; every entry's parents are dirs in it. */
  entries: PlanEntry[];
  /** Unresolved dependencies and everything else left out on purpose, sorted. */
  warnings: Warning[];
}

const PARENT: Reason = { kind: "parent" };

type Pending = { entry: PlanEntry; reasons: Map<string, Reason> };

export class PlanBuilder {
  private readonly entries = new Map<string, Pending>();
  private readonly warnings = new Map<string, Warning>();

  constructor(private readonly resolver: Resolver) {}

  warn(warning: Warning): void {
    this.warnings.set(keyOf(warning), warning);
  }

  has(path: string): boolean {
    return this.entries.has(path);
  }

  /**
   * Adds what a lookup of `path` touches: every symlink crossed and the object it ends on
   * (devices, sockets and fifos are left to the runtime). Undefined when it does not exist;
   * a symlink loop is a warning.
   */
  async addPath(path: string, reason: Reason, options: { followFinal?: boolean } = {}): Promise<Resolved | undefined> {
    const found = await this.resolver.resolve(path, options.followFinal ?? true).catch((error: unknown) => {
      if (!(error instanceof SymlinkLoopError)) throw error;
      this.warn({ kind: "symlink-loop", path: error.path, reason });
      return undefined;
    });
    if (!found) return undefined;
    for (const link of found.links) this.add({ kind: "symlink", path: link.path, target: link.target, reasons: [] }, reason);
    const { path: real, stat } = found;
    if (stat.type === "dir") this.add({ kind: "dir", path: real, mode: stat.mode, ...ownerOf(stat), reasons: [] }, reason);
    if (stat.type === "file") this.add({ kind: "file", path: real, size: stat.size, mode: stat.mode, reasons: [] }, reason);
    if (stat.type === "symlink") this.add({ kind: "symlink", path: real, target: await this.resolver.readlink(real), reasons: [] }, reason);
    return found;
  }

  /** A directory the bundle has whatever the source holds (root's). */
  addDir(path: string, mode: number, reason: Reason): void {
    this.add({ kind: "dir", path, mode, reasons: [] }, reason);
  }

  private checkExcluded({ entry, reasons }: Pending, glob: string): void {
    const all = sortedValues(reasons);
    if (all.some((r) => r.kind === "entry")) throw new Error(`--exclude=${glob} removes the entry ${entry.path}`);
    const needed = all.filter((r) => NEEDED.has(r.kind));
    if (needed.length) this.warn({ kind: "excluded-needed", path: entry.path, reasons: needed, glob });
  }

  private add(entry: PlanEntry, reason: Reason): void {
    const pending = this.entries.get(entry.path) ?? { entry, reasons: new Map<string, Reason>() };
    pending.reasons.set(keyOf(reason), reason);
    this.entries.set(entry.path, pending);
  }

  /**
   * The sorted plan without the excluded paths (a directory with its whole tree), with the
   * directories above every entry. Excluding an entry is an error; excluding what the closure
   * needs is an unresolved dependency (the bundle may go onto a base that provides it).
   */
  async build(exclude: string[]): Promise<Plan> {
    const excludedBy = exclusions(exclude);
    const kept: Pending[] = [];
    for (const pending of this.entries.values()) {
      const glob = excludedBy(pending.entry.path);
      if (glob === undefined) kept.push(pending);
      else this.checkExcluded(pending, glob);
    }
    const paths = new Set(kept.map((p) => p.entry.path));
    for (const parent of new Set(kept.flatMap((p) => ancestors(p.entry.path)))) {
      if (paths.has(parent)) continue;
      const stat = await this.resolver.lstat(parent);
      kept.push({ entry: { kind: "dir", path: parent, mode: stat?.mode ?? 0o755, ...(stat && ownerOf(stat)), reasons: [] }, reasons: new Map([[keyOf(PARENT), PARENT]]) });
    }
    const entries = kept
      .map(({ entry, reasons }) => ({ ...entry, reasons: sortedValues(reasons) }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { entries, warnings: sortedValues(this.warnings) };
  }
}

function ownerOf(stat: FileStat): { owner?: Owner } {
  return stat.uid === 0 && stat.gid === 0 ? {} : { owner: { uid: stat.uid, gid: stat.gid } };
}

function sortedValues<T>(byKey: Map<string, T>): T[] {
  return [...byKey.keys()].sort().map((key) => byKey.get(key)!);
}

/** The reasons that make a path one the programs cannot start without. */
const NEEDED = new Set<Reason["kind"]>(["interpreter", "needed", "shebang", "env-command"]);

/** The --exclude glob that drops `path` (it or a directory above it matches), if any. */
function exclusions(exclude: string[]): (path: string) => string | undefined {
  const matchers = exclude.map((glob) => ({ glob, matches: picomatch(anchorGlob(glob), { dot: true }) }));
  return (path) => {
    for (const dir of [...ancestors(path), path]) {
      const hit = matchers.find((m) => m.matches(dir));
      if (hit) return hit.glob;
    }
    return undefined;
  };
}

/** Globs are absolute; one without a leading slash is anchored at the root. */
export function anchorGlob(glob: string): string {
  return glob.startsWith("/") ? glob : `/${glob}`;
}
