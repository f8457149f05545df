// Marshals a state graph into a pb.Definition: dependencies first, each op encoded once in
// canonical form, then the terminal op that names the result.
import { createHash } from "node:crypto";
import { encodeCanonical } from "./canonical.js";
import { OpType } from "./proto.js";
import type { SourceMap } from "./source-map.js";
import type { InputRef, MarshalContext, OpOptions, Output, Vertex } from "./vertex.js";

export interface Definition {
  def: Uint8Array[];
  metadata: Record<string, OpMetadata>;
  Source?: { locations: Record<string, { locations: Location[] }>; infos: SourceInfo[] };
}
export interface OpMetadata {
  ignore_cache?: boolean;
  description?: Record<string, string>;
  caps?: Record<string, boolean>;
  progress_group?: { id: string; name: string; weak?: boolean };
}
export interface Location {
  sourceIndex?: number;
  ranges: unknown[];
}
export interface SourceInfo {
  filename?: string;
  data?: Uint8Array;
  language?: string;
  definition?: unknown;
}

export function digestOf(bytes: Uint8Array): string {
  return "sha256:" + createHash("sha256").update(bytes).digest("hex");
}

export class DefinitionBuilder implements MarshalContext {
  private readonly defs: Uint8Array[] = [];
  private readonly seen = new Set<string>();
  private readonly refs = new Map<Vertex, Map<number, InputRef>>();
  private readonly metadata: Record<string, OpMetadata> = {};
  private readonly locations: Record<string, { locations: Location[] }> = {};
  private readonly infos: SourceInfo[] = [];
  private readonly sourceIndex = new Map<SourceMap, number>();

  resolve(output: Output): InputRef {
    let byIndex = this.refs.get(output.vertex);
    if (!byIndex) this.refs.set(output.vertex, (byIndex = new Map()));
    let ref = byIndex.get(output.index);
    if (!ref) byIndex.set(output.index, (ref = output.vertex.marshal(this, output.index)));
    return ref;
  }

  addOp(op: Record<string, unknown>, caps: string[], options: OpOptions): string {
    // Go always writes an empty constraints message; the same bytes give the same vertices.
    const digest = this.addBytes(encodeCanonical(OpType, { ...op, constraints: {} }));
    const meta: OpMetadata = this.metadata[digest] ?? {};
    if (options.customName) meta.description = { ...meta.description, "llb.customname": options.customName };
    if (options.ignoreCache) meta.ignore_cache = true;
    if (options.progressGroup) meta.progress_group = options.progressGroup;
    if (caps.length) meta.caps = { ...meta.caps, ...Object.fromEntries(caps.map((c) => [c, true])) };
    this.metadata[digest] = meta;
    if (options.location) {
      const index = this.sourceInfoIndex(options.location.source);
      this.addLocation(digest, { sourceIndex: index, ranges: options.location.ranges });
    }
    return digest;
  }

  /** Adds already-encoded op bytes verbatim (foreign ops are never re-encoded). */
  addBytes(bytes: Uint8Array): string {
    const digest = digestOf(bytes);
    if (!this.seen.has(digest)) {
      this.seen.add(digest);
      this.defs.push(bytes);
    }
    return digest;
  }

  /** Merges a foreign definition's metadata and source map, offsetting its source indexes. */
  mergeForeign(def: Definition): void {
    for (const [digest, meta] of Object.entries(def.metadata ?? {})) {
      this.metadata[digest] = { ...meta, ...this.metadata[digest] };
    }
    const offset = this.infos.length;
    this.infos.push(...(def.Source?.infos ?? []));
    for (const [digest, locs] of Object.entries(def.Source?.locations ?? {})) {
      for (const loc of locs.locations ?? []) {
        this.addLocation(digest, { ...loc, sourceIndex: (loc.sourceIndex ?? 0) + offset });
      }
    }
  }

  finish(result: Output | undefined): Definition {
    if (result) {
      const ref = this.resolve(result);
      this.defs.push(encodeCanonical(OpType, { inputs: [ref] }));
    }
    const def: Definition = { def: this.defs, metadata: this.metadata };
    if (this.infos.length) def.Source = { locations: this.locations, infos: this.infos };
    return def;
  }

  private sourceInfoIndex(source: SourceMap): number {
    let index = this.sourceIndex.get(source);
    if (index === undefined) {
      index = this.infos.push({ filename: source.filename, data: source.data, language: source.language }) - 1;
      this.sourceIndex.set(source, index);
    }
    return index;
  }

  private addLocation(digest: string, location: Location): void {
    (this.locations[digest] ??= { locations: [] }).locations.push(location);
  }
}
