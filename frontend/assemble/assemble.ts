// The bundle as LLB: directories made with their modes, then one copy from the source of every
// file and symlink in the plan (include patterns: one action, however many files), then the
// manifest and --mkdir directories. Writing into a directory changes its time, so the tree is
// then copied once more, whole, with every time fixed: the layer is reproducible.
import { FileActions, State, type OpOptions } from "../../llb/index.js";
import { basename, dirname } from "node:path";
import type { Plan } from "../closure/index.js";
import { MANIFEST_PATH } from "./manifest.js";

export interface AssembleOptions {
  manifest: string;
  mkdir: { path: string; mode: number }[];
  /** --install-to: the entries are also copied into this directory, under their own names. */
  installTo?: { dir: string; entries: string[] };
  /** Nanoseconds since the epoch for every file (SOURCE_DATE_EPOCH, else 0). */
  timestamp: bigint;
}

export function assemble(source: State, plan: Plan, opts: AssembleOptions, op: OpOptions): State {
  const tree = State.scratch().file(treeActions(source, plan, opts), { customName: `${op.customName} (tree)`, location: op.location });
  const stamped = FileActions.empty().copy(tree, "/", "/", { dirCopyContents: true, timestamp: opts.timestamp });
  return State.scratch().file(stamped, op);
}

function treeActions(source: State, plan: Plan, opts: AssembleOptions): FileActions {
  let actions = FileActions.empty();
  // Directories come from the source with the files, so that they keep their exact mode and
  // owner (mkdir loses to the daemon's umask the group and other write bits, and the sticky and
  // setgid bits: /tmp, /var/mail). Empty ones are copied without their contents.
  const parents = new Set(plan.entries.map((e) => dirname(e.path)));
  const leaves = plan.entries.filter((e) => e.kind === "dir" && !parents.has(e.path)).map((e) => includePattern(e.path));
  const copied = plan.entries.filter((e) => e.kind !== "dir").map((e) => includePattern(e.path));
  if (copied.length + leaves.length) {
    actions = actions.copy(source, "/", "/", {
      includePatterns: [...copied, ...leaves],
      excludePatterns: leaves.length ? leaves.map((dir) => `${dir}/*`) : undefined,
      dirCopyContents: true,
      createDestPath: true,
      allowEmptyWildcard: true,
    });
  }
  // What the source lacks (a base directory): made here, with what mkdir can keep of its mode.
  for (const e of plan.entries) {
    if (e.kind === "dir") actions = actions.mkdir(e.path, e.mode, { parents: true, ...(e.owner && { owner: e.owner }) });
  }
  actions = actions.mkdir("/.sidebundle", 0o755, { parents: true }).mkfile(MANIFEST_PATH, 0o644, opts.manifest);
  for (const d of opts.mkdir) actions = actions.mkdir(d.path, d.mode, { parents: true });
  for (const entry of opts.installTo?.entries ?? []) {
    const dest = `${opts.installTo!.dir}/${basename(entry)}`;
    actions = actions.copy(source, entry, dest, { followSymlink: true, createDestPath: true });
  }
  return actions;
}

/** An include pattern that matches exactly this path: relative, with glob characters escaped. */
export function includePattern(path: string): string {
  return path.slice(1).replace(/[*?[\]\\]/g, "\\$&");
}
