// The graph LLB states are made of: vertices (one per op) and their outputs. A vertex turns into
// protobuf only when a definition is marshalled (see marshal.ts), once, with all inputs known.
import type { Definition } from "./marshal.js";
import type { SourceLocation } from "./source-map.js";

export interface Platform {
  Architecture: string;
  OS: string;
  Variant?: string;
}

export interface OpOptions {
  /** The progress vertex name (`llb.customname`). */
  customName?: string;
  ignoreCache?: boolean;
  progressGroup?: { id: string; name: string; weak?: boolean };
  /** Dockerfile lines this op belongs to, so errors in it show them. */
  location?: SourceLocation;
}

/** What a vertex contributes to a definition; `InputRef` is a resolved input. */
export interface InputRef {
  digest: string;
  index: number;
}

export interface MarshalContext {
  /** Marshals an output's vertex (once) and returns the reference to it. */
  resolve(output: Output): InputRef;
  /** Adds an encoded op with its metadata; returns its digest. */
  addOp(op: Record<string, unknown>, caps: string[], options: OpOptions): string;
  /** Adds already-encoded op bytes verbatim; returns their digest. */
  addBytes(bytes: Uint8Array): string;
  /** Merges a received definition's metadata and source map. */
  mergeForeign(def: Definition): void;
}

export interface Vertex {
  /** Adds the vertex (and whatever it needs) to the context; returns the reference for `index`. */
  marshal(ctx: MarshalContext, index: number): InputRef;
}

export class Output {
  constructor(
    readonly vertex: Vertex,
    readonly index: number,
  ) {}
}
