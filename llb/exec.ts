// ExecOp: runs a process with a root mount and further mounts; every writable bind mount that
// keeps its output becomes an output of the op, numbered in mount order.
import type { State } from "./state.js";
import type { InputRef, MarshalContext, OpOptions, Output, Platform, Vertex } from "./vertex.js";

export type Network = "sandbox" | "host" | "none";

export type MountSpec =
  | { dest: string; from?: State; selector?: string; readonly?: boolean; noOutput?: boolean }
  | { dest: string; cache: { id: string; sharing?: "shared" | "private" | "locked" } }
  | { dest: string; tmpfs: { size?: number } };

export interface ExecSpec {
  args: string[];
  env?: string[];
  cwd?: string;
  user?: string;
  network?: Network;
  /** Mounts other than the root, which is the state `run` is called on. */
  mounts?: MountSpec[];
  validExitCodes?: number[];
  platform?: Platform;
}

const NETWORK = { sandbox: 0, host: 1, none: 2 } as const;
const SHARING = { shared: 0, private: 1, locked: 2 } as const;

export class ExecVertex implements Vertex {
  readonly mounts: MountSpec[];

  constructor(
    root: State,
    readonly spec: ExecSpec,
    readonly options: OpOptions,
  ) {
    // Sorted by destination as Go does, so the root comes first and parents before children.
    this.mounts = [{ dest: "/", from: root }, ...(spec.mounts ?? [])].sort((a, b) => (a.dest < b.dest ? -1 : 1));
  }

  /** The output index of the mount at `dest`, or undefined if it has none. */
  outputIndex(dest: string): number | undefined {
    let next = 0;
    for (const m of this.mounts) {
      if (!hasOutput(m)) continue;
      if (m.dest === dest) return next;
      next++;
    }
    return undefined;
  }

  marshal(ctx: MarshalContext, index: number): InputRef {
    const inputs: InputRef[] = [];
    const caps = new Set(["exec.meta.base", "exec.mount.bind"]);
    const mounts = this.mounts.map((m) => {
      const out: Record<string, unknown> = { dest: m.dest, input: -1, output: -1 };
      if ("cache" in m) {
        caps.add("exec.mount.cache");
        return { ...out, mountType: 3, cacheOpt: { ID: m.cache.id, sharing: SHARING[m.cache.sharing ?? "shared"] } };
      }
      if ("tmpfs" in m) {
        caps.add("exec.mount.tmpfs");
        return { ...out, mountType: 4, TmpfsOpt: { size: m.tmpfs.size } };
      }
      if (m.from?.output) out.input = inputs.push(ctx.resolve(m.from.output)) - 1;
      if (m.selector) caps.add("exec.mount.selector");
      const output = this.outputIndex(m.dest);
      if (output !== undefined) out.output = output;
      return { ...out, selector: m.selector, readonly: m.readonly };
    });
    const s = this.spec;
    if (s.network) caps.add("exec.meta.network");
    const op: Record<string, unknown> = {
      inputs,
      exec: {
        meta: { args: s.args, env: s.env, cwd: s.cwd ?? "/", user: s.user, validExitCodes: s.validExitCodes },
        mounts,
        network: NETWORK[s.network ?? "sandbox"],
      },
    };
    if (s.platform) op.platform = s.platform;
    return { digest: ctx.addOp(op, [...caps], this.options), index };
  }
}

function hasOutput(m: MountSpec): boolean {
  return !("cache" in m) && !("tmpfs" in m) && !m.readonly && !m.noOutput;
}

export type { Output };
