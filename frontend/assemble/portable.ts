// The portable layout (--layout=portable): <prefix>/payload/<runtime path> holds the programs'
// files, <prefix>/bin/<entry> a static launcher each (configured by <prefix>/launch/<entry>),
// <prefix>/data/<sha256> the content store the payload files are hard links into, and
// <prefix>/manifest.lock. Absolute symlinks would point out of the bundle wherever it is copied:
// sidebundle-pack makes them relative links to the same place in the payload, so the payload
// holds exactly the plan's paths. Payload files keep their source's times, as in assemble.ts: the
// store links files of one time only.
import { posix } from "node:path";
import { FileActions, State, type OpOptions, type Platform } from "../../llb/index.js";
import type { LaunchSpec, Plan } from "../closure/index.js";
import { LAUNCHER, TOOLS_DIR, toolsState } from "../trace/tools.js";
import { pathBytes, pathComponents } from "../closure/fs.js";
import { includePattern, plannedDirs } from "./assemble.js";
import { writeMetadata, type MetadataFile } from "./package-metadata.js";
import { stampRun, type Times } from "./times.js";

export interface PortableOptions {
  manifest: string;
  /** Package metadata for scanners, written in the payload. */
  metadata: MetadataFile[];
  /** sha256 of every file of the plan. */
  digests: ReadonlyMap<string, string>;
  /** --mkdir directories, made in the payload. */
  mkdir: { path: string; mode: number }[];
  launches: ReadonlyMap<string, LaunchSpec>;
  /** Where the bundle goes in the image ("/" for its root). */
  prefix: string;
  times: Times;
  /** The frontend's image, which runs the times op. */
  image: State;
  platform: Platform;
}

/** The packer's list, written at the tree's root and left out of the layout. */
export const PACK_LIST = "/.sidebundle-pack.list";
const TOP_LEVEL = ["bin", "data", "launch", "manifest.lock", "payload"];

export function assemblePortable(source: State, plan: Plan, opts: PortableOptions, op: OpOptions): State {
  const tree = State.scratch().file(treeActions(source, plan, opts), { ...op, customName: `${op.customName} (tree)` });
  const packed = tree.run(
    {
      args: [`${TOOLS_DIR}/sidebundle-pack`, "/", PACK_LIST],
      network: "none",
      mounts: [{ dest: TOOLS_DIR, from: toolsState(["sidebundle-pack"]), readonly: true }],
      platform: opts.platform,
    },
    { ...op, customName: `${op.customName} (deduplicate)` },
  ).root;
  // Only the layout is kept (the exec may leave mount points behind), at the prefix, whose
  // parent directories the times op dates too.
  const copy = FileActions.empty().copy(packed, "/", opts.prefix, { includePatterns: TOP_LEVEL, dirCopyContents: true, createDestPath: true });
  const layout = State.scratch().file(copy, { ...op, customName: `${op.customName} (layout)` });
  const payload = posix.join(opts.prefix, "payload");
  const stamped = stampRun({ image: opts.image, tree: layout, source, options: { ...opts.times, payload } }, { ...op, customName: `${op.customName} (times)` });
  return State.scratch().file(FileActions.empty().copy(stamped, "/", "/", { dirCopyContents: true }), op);
}

function treeActions(source: State, plan: Plan, opts: PortableOptions): FileActions {
  // The launcher runs where the bundle runs: the target platform's (dispatch checks there is one).
  const launcher = toolsState([LAUNCHER], {}, opts.platform);
  let actions = FileActions.empty();
  for (const e of plannedDirs(plan)) actions = actions.mkdir(`/payload${e.path}`, e.mode, { parents: true });
  const kept = plan.entries.filter((e) => e.kind !== "dir");
  if (kept.length) {
    const includePatterns = kept.map((e) => includePattern(e.path));
    actions = actions.copy(source, "/", "/payload", { includePatterns, dirCopyContents: true, createDestPath: true });
  }
  for (const d of opts.mkdir) actions = actions.mkdir(`/payload${d.path}`, d.mode, { parents: true });
  actions = actions.mkdir("/bin", 0o755).mkdir("/launch", 0o755);
  const timestamp = opts.times.own;
  actions = writeMetadata(actions, opts.metadata, "/payload", timestamp);
  for (const [name, spec] of opts.launches) {
    actions = actions
      .copy(launcher, `/${LAUNCHER}`, `/bin/${name}`, { timestamp })
      .mkfile(`/launch/${name}`, 0o644, launchConfig(spec), { timestamp });
  }
  return actions.mkfile("/manifest.lock", 0o644, opts.manifest, { timestamp }).mkfile(PACK_LIST, 0o644, packList(plan, opts.digests));
}

/**
 * Lines for sidebundle-pack: `<sha256> <path>` for files, `symlink <path>` for links that point
 * out of the payload. A data file has one mode, so a file whose content is already stored with
 * another mode stays a plain copy.
 */
export function packList(plan: Plan, digests: ReadonlyMap<string, string>): Uint8Array {
  const modes = new Map<string, number>();
  const list: string[] = [];
  for (const e of plan.entries) {
    if (e.kind === "symlink" && leavesRoot(e.path, e.target)) list.push(`symlink ${e.path}\n`);
    const sha = digests.get(e.path);
    if (e.kind !== "file" || !sha || (modes.get(sha) ?? e.mode) !== e.mode) continue;
    modes.set(sha, e.mode);
    list.push(`${sha} ${e.path}\n`);
  }
  // The paths as the bytes they stand for: the packer finds files by their names' bytes.
  return pathBytes(list.join(""));
}

/** Whether a link's target is absolute or climbs above the root from the link's directory. */
function leavesRoot(path: string, target: string): boolean {
  if (target.startsWith("/")) return true;
  let depth = pathComponents(path).length - 1;
  for (const part of pathComponents(target)) {
    depth += part === ".." ? -1 : 1;
    if (depth < 0) return true;
  }
  return false;
}

/** The launcher's configuration (tracer-static/README.md): key=value lines. */
export function launchConfig(spec: LaunchSpec): string {
  const lines = [
    ...(spec.loader ? [`loader=${spec.loader}`] : []),
    ...spec.libraryPath.map((dir) => `library-path=${dir}`),
    `program=${spec.program}`,
    `argv0=${spec.argv0}`,
    ...spec.args.map((arg) => `arg=${arg}`),
  ];
  return lines.join("\n") + "\n";
}
