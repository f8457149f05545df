// The bundle as LLB: directories made with their modes, then one copy from the source of every
// file and symlink in the plan (include patterns: one action, however many files), then the
// manifest and --mkdir directories. Copies keep the source's times; writing into a directory
// changes its time, so the times op (times.ts) then fixes every directory's, and the tree is
// copied once more, whole, onto scratch: one layer, reproducible.
import { FileActions, State, type OpOptions } from "../../llb/index.js";
import { dirname } from "node:path";
import { hasEscapedBytes } from "../closure/fs.js";
import type { Plan, PlanDir } from "../closure/index.js";
import { MANIFEST_PATH } from "./manifest.js";
import { writeMetadata, type MetadataFile } from "./package-metadata.js";
import { stampRun, type Times } from "./times.js";

export interface AssembleOptions {
  manifest: string;
  /** Package metadata for scanners (package-metadata.ts). */
  metadata: MetadataFile[];
  mkdir: { path: string; mode: number }[];
  /** --install-to: the entries are also copied into this directory (symlinks followed), each as `name`. */
  installTo?: { dir: string; entries: { name: string; from: string }[] };
  times: Times;
  /** The frontend's image, which runs the times op. */
  image: State;
}

export function assemble(source: State, plan: Plan, opts: AssembleOptions, op: OpOptions): State {
  const tree = State.scratch().file(treeActions(source, plan, opts), { ...op, customName: `${op.customName} (tree)` });
  const stamped = stampRun({ image: opts.image, tree, source, options: { ...opts.times, payload: "" } }, { ...op, customName: `${op.customName} (times)` });
  return State.scratch().file(FileActions.empty().copy(stamped, "/", "/", { dirCopyContents: true }), op);
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
  for (const e of plannedDirs(plan)) actions = actions.mkdir(e.path, e.mode, { parents: true, ...(e.owner && { owner: e.owner }) });
  actions = actions.mkdir("/.sidebundle", 0o755, { parents: true }).mkfile(MANIFEST_PATH, 0o644, opts.manifest, { timestamp: opts.times.own });
  actions = writeMetadata(actions, opts.metadata, "", opts.times.own);
  for (const d of opts.mkdir) actions = actions.mkdir(d.path, d.mode, { parents: true });
  for (const { name, from } of opts.installTo?.entries ?? []) {
    actions = actions.copy(source, from, `${opts.installTo!.dir}/${name}`, { followSymlink: true, createDestPath: true });
  }
  return actions;
}

/**
 * An include pattern that matches exactly this path: relative, with glob characters escaped. LLB
 * strings are UTF-8, so a byte that is not (escaped in the plan, fs.ts) is matched by the class
 * [\ufffd]: BuildKit's matcher reads such a byte as U+FFFD.
 */
export function includePattern(path: string): string {
  return path
    .slice(1)
    .replace(/[*?[\]\\]/g, "\\$&")
    .replace(/[\udc80-\udcff]/g, "[\ufffd]");
}

/**
 * The directories the tree makes with their modes. One whose name is not UTF-8 cannot be named in
 * LLB: the copy makes it, as the parent of what it holds.
 */
export function plannedDirs(plan: Plan): PlanDir[] {
  return plan.entries.filter((e): e is PlanDir => e.kind === "dir" && !hasEscapedBytes(e.path));
}
