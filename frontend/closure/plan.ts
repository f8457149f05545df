// The plan: what the assemble stage copies, each path with the reasons it is there. Sorted by
// path, reasons sorted, so equal inputs give byte-identical plans.
import picomatch from "picomatch";
import { ancestors } from "./fs.js";
import { SymlinkLoopError, type Resolved, type Resolver } from "./resolve.js";

export interface PlanFile {
  kind: "file";
  path: string;
  size: number;
  /** Permission bits, setuid/setgid/sticky included. */
  mode: number;
  reasons: string[];
}

export interface PlanSymlink {
  kind: "symlink";
  path: string;
  /** The link's target exactly as stored (relative or absolute inside the root). */
  target: string;
  reasons: string[];
}

export interface PlanDir {
  kind: "dir";
  path: string;
  mode: number;
  /** "parent" for directories that are only there because something below them is. */
  reasons: string[];
}

export type PlanEntry = PlanFile | PlanSymlink | PlanDir;

export interface Plan {
  /** Every file, symlink and directory, sorted by path; every entry's parents are dirs in it. */
  entries: PlanEntry[];
  /** Unresolved dependencies and everything else left out on purpose, sorted. */
  warnings: string[];
}

type Pending = { entry: PlanEntry; reasons: Set<string> };

export class PlanBuilder {
  private readonly entries = new Map<string, Pending>();
  private readonly warnings = new Set<string>();

  constructor(private readonly resolver: Resolver) {}

  warn(message: string): void {
    this.warnings.add(message);
  }

  has(path: string): boolean {
    return this.entries.has(path);
  }

  /**
   * Adds what a lookup of `path` touches: every symlink crossed and the object it ends on
   * (devices, sockets and fifos are left to the runtime). Undefined when it does not exist;
   * a symlink loop is a warning.
   */
  async addPath(path: string, reason: string, options: { followFinal?: boolean } = {}): Promise<Resolved | undefined> {
    const found = await this.resolver.resolve(path, options.followFinal ?? true).catch((error: unknown) => {
      if (!(error instanceof SymlinkLoopError)) throw error;
      this.warn(`${error.message} (${reason})`);
      return undefined;
    });
    if (!found) return undefined;
    for (const link of found.links) this.add({ kind: "symlink", path: link.path, target: link.target, reasons: [] }, reason);
    const { path: real, stat } = found;
    if (stat.type === "dir") this.add({ kind: "dir", path: real, mode: stat.mode, reasons: [] }, reason);
    if (stat.type === "file") this.add({ kind: "file", path: real, size: stat.size, mode: stat.mode, reasons: [] }, reason);
    if (stat.type === "symlink") this.add({ kind: "symlink", path: real, target: await this.resolver.readlink(real), reasons: [] }, reason);
    return found;
  }

  private checkExcluded({ entry, reasons }: Pending, glob: string): void {
    if (reasons.has("entry")) throw new Error(`--exclude=${glob} removes the entry ${entry.path}`);
    const needed = [...reasons].filter((r) => NEEDED.test(r)).sort();
    if (needed.length) this.warn(`unresolved: ${entry.path} (${needed.join("; ")}) is removed by --exclude=${glob}`);
  }

  private add(entry: PlanEntry, reason: string): void {
    const pending = this.entries.get(entry.path) ?? { entry, reasons: new Set<string>() };
    pending.reasons.add(reason);
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
      kept.push({ entry: { kind: "dir", path: parent, mode: stat?.mode ?? 0o755, reasons: [] }, reasons: new Set(["parent"]) });
    }
    const entries = kept
      .map(({ entry, reasons }) => ({ ...entry, reasons: [...reasons].sort() }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { entries, warnings: [...this.warnings].sort() };
  }
}

/** The reasons that make a path one the programs cannot start without. */
const NEEDED = /^(interpreter of |elf-needed |shebang of |env command of )/;

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
