// llb: BuildKit's LLB as immutable states, marshalled to canonical pb.Definition bytes.
// Knows protobuf and LLB, nothing of sidebundle.
export { State } from "./state.js";
export { FileActions, type CopyOptions, type Owner } from "./file.js";
export type { ExecSpec, MountSpec, Network } from "./exec.js";
export type { ImageOptions, LocalOptions } from "./source.js";
export { normalizeImageRef } from "./source.js";
export { SourceMap, type SourceLocation, type LineRange } from "./source-map.js";
export { digestOf, type Definition, type OpMetadata } from "./marshal.js";
export { decodeDefinition, definitionResult } from "./foreign.js";
export { decodePlain, encodeCanonical } from "./canonical.js";
export { root as protoRoot, OpType, DefinitionType } from "./proto.js";
export type { OpOptions, Platform } from "./vertex.js";
