// The bundle as LLB: directories made with their modes, then one copy from the source of every
// file and symlink in the plan (include patterns: one action, however many files), then the
// manifest and --mkdir directories. Copies keep the source's times; writing into a directory
// changes its time, so the times op (times.ts) then fixes every directory's, and the tree is
// copied once more, whole, onto scratch: one layer, reproducible.
import { FileActions, State, type OpOptions } from "../../llb/index.js";
import { basename } from "node:path";
import type { Plan } from "../closure/index.js";
import { MANIFEST_PATH } from "./manifest.js";
import { stampRun, type Times } from "./times.js";

export interface AssembleOptions {
  manifest: string;
  mkdir: { path: string; mode: number }[];
  /** --install-to: the entries are also copied into this directory, under their own names. */
  installTo?: { dir: string; entries: string[] };
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
  for (const e of plan.entries) {
    if (e.kind === "dir") actions = actions.mkdir(e.path, e.mode, { parents: true });
  }
  const copied = plan.entries.filter((e) => e.kind !== "dir").map((e) => includePattern(e.path));
  if (copied.length) {
    actions = actions.copy(source, "/", "/", {
      includePatterns: copied,
      dirCopyContents: true,
      createDestPath: true,
      allowEmptyWildcard: true,
    });
  }
  actions = actions.mkdir("/.sidebundle", 0o755, { parents: true }).mkfile(MANIFEST_PATH, 0o644, opts.manifest, { timestamp: opts.times.own });
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
