// Ops of a definition received from BuildKit (a delegated solve's Ref.def), copied byte for byte
// with their metadata and source map: re-encoding would drop fields this schema does not know.
import { decodePlain } from "./canonical.js";
import type { Definition } from "./marshal.js";
import { DefinitionType, OpType } from "./proto.js";
import type { InputRef, MarshalContext, Vertex } from "./vertex.js";

export class ForeignVertex implements Vertex {
  constructor(readonly def: Definition) {}

  marshal(ctx: MarshalContext): InputRef {
    const ops = this.def.def;
    for (const bytes of ops.slice(0, -1)) ctx.addBytes(bytes);
    ctx.mergeForeign(this.def);
    return definitionResult(this.def);
  }
}

/** The op output a definition's terminal op names: its result. */
export function definitionResult(def: Definition): InputRef {
  const bytes = def.def[def.def.length - 1];
  const op = decodePlain(OpType, bytes) as { inputs?: { digest: string; index?: { toNumber(): number } }[] };
  const input = op.inputs?.[0];
  if (!input) throw new Error("definition has no terminal op");
  return { digest: input.digest, index: input.index?.toNumber() ?? 0 };
}

/** A pb.Definition from its wire bytes, as the gateway would have decoded it. */
export function decodeDefinition(bytes: Uint8Array): Definition {
  return DefinitionType.toObject(DefinitionType.decode(bytes), { longs: Number, arrays: true, objects: true }) as Definition;
}
