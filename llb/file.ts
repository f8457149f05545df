// FileOp: a chain of file actions applied on top of a base state (or scratch). Each action
// consumes the result of the one before it; copy actions read a secondary state.
import Long from "long";
import type { State } from "./state.js";
import type { InputRef, MarshalContext, OpOptions, Output, Vertex } from "./vertex.js";

export interface Owner {
  uid: number;
  gid: number;
}

interface Common {
  owner?: Owner;
  /** Nanoseconds since the epoch; unset means "now" (-1 on the wire). */
  timestamp?: bigint;
}

export interface CopyOptions extends Common {
  mode?: number;
  followSymlink?: boolean;
  dirCopyContents?: boolean;
  createDestPath?: boolean;
  allowWildcard?: boolean;
  allowEmptyWildcard?: boolean;
  includePatterns?: string[];
  excludePatterns?: string[];
}

type Action =
  | { kind: "copy"; from: State; src: string; dest: string; opts: CopyOptions }
  | { kind: "mkfile"; path: string; mode: number; data: Uint8Array; opts: Common }
  | { kind: "mkdir"; path: string; mode: number; opts: Common & { parents?: boolean } }
  | { kind: "symlink"; target: string; path: string; opts: Common }
  | { kind: "rm"; path: string; opts: { allowNotFound?: boolean; allowWildcard?: boolean } };

/** An immutable list of file actions; each method returns a longer list. */
export class FileActions {
  private constructor(readonly actions: readonly Action[]) {}

  static empty(): FileActions {
    return new FileActions([]);
  }

  copy(from: State, src: string, dest: string, opts: CopyOptions = {}): FileActions {
    return this.with({ kind: "copy", from, src, dest, opts });
  }
  mkfile(path: string, mode: number, data: Uint8Array | string, opts: Common = {}): FileActions {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    return this.with({ kind: "mkfile", path, mode, data: bytes, opts });
  }
  mkdir(path: string, mode: number, opts: Common & { parents?: boolean } = {}): FileActions {
    return this.with({ kind: "mkdir", path, mode, opts });
  }
  /** Needs cap file.symlink.create (BuildKit ≥ 0.19). */
  symlink(target: string, path: string, opts: Common = {}): FileActions {
    return this.with({ kind: "symlink", target, path, opts });
  }
  rm(path: string, opts: { allowNotFound?: boolean; allowWildcard?: boolean } = {}): FileActions {
    return this.with({ kind: "rm", path, opts });
  }

  private with(action: Action): FileActions {
    return new FileActions([...this.actions, action]);
  }
}

export class FileVertex implements Vertex {
  constructor(
    readonly base: Output | undefined,
    readonly list: FileActions,
    readonly options: OpOptions,
  ) {}

  marshal(ctx: MarshalContext, index: number): InputRef {
    const inputs: InputRef[] = [];
    const inputIndex = (output: Output | undefined): number => {
      if (!output) return -1;
      const ref = ctx.resolve(output);
      const found = inputs.findIndex((i) => i.digest === ref.digest && i.index === ref.index);
      return found >= 0 ? found : inputs.push(ref) - 1;
    };
    const baseIndex = inputIndex(this.base);
    const secondary = this.list.actions.map((a) => (a.kind === "copy" ? inputIndex(a.from.output) : -1));
    const last = this.list.actions.length - 1;
    const actions = this.list.actions.map((a, k) => ({
      input: k === 0 ? baseIndex : inputs.length + k - 1,
      secondaryInput: secondary[k],
      output: k === last ? 0 : -1,
      ...encodeAction(a),
    }));
    const caps = ["file.base", ...this.list.actions.flatMap(actionCaps)];
    return { digest: ctx.addOp({ inputs, file: { actions } }, caps, this.options), index };
  }
}

function actionCaps(a: Action): string[] {
  if (a.kind === "symlink") return ["file.symlink.create"];
  if (a.kind === "copy" && (a.opts.includePatterns || a.opts.excludePatterns)) return ["file.copy.includeexcludepatterns"];
  return [];
}

function encodeAction(a: Action): Record<string, unknown> {
  const common = (o: Common) => ({ owner: o.owner && chown(o.owner), timestamp: timestamp(o.timestamp) });
  switch (a.kind) {
    case "copy":
      return {
        copy: {
          src: a.src,
          dest: a.dest,
          mode: a.opts.mode ?? -1,
          followSymlink: a.opts.followSymlink,
          dirCopyContents: a.opts.dirCopyContents,
          createDestPath: a.opts.createDestPath,
          allowWildcard: a.opts.allowWildcard,
          allowEmptyWildcard: a.opts.allowEmptyWildcard,
          include_patterns: a.opts.includePatterns,
          exclude_patterns: a.opts.excludePatterns,
          ...common(a.opts),
        },
      };
    case "mkfile":
      return { mkfile: { path: a.path, mode: a.mode, data: a.data, ...common(a.opts) } };
    case "mkdir":
      return { mkdir: { path: a.path, mode: a.mode, makeParents: a.opts.parents, ...common(a.opts) } };
    case "symlink":
      return { symlink: { oldpath: a.target, newpath: a.path, ...common(a.opts) } };
    case "rm":
      return { rm: { path: a.path, allowNotFound: a.opts.allowNotFound, allowWildcard: a.opts.allowWildcard } };
  }
}

function chown(o: Owner) {
  // byID 0 (root) must still be written: it is a oneof member.
  return { user: { byID: o.uid }, group: { byID: o.gid } };
}

function timestamp(ns: bigint | undefined): Long {
  return Long.fromString(String(ns ?? -1n));
}
