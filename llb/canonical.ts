// Go-compatible deterministic protobuf bytes. BuildKit ≥ 0.18 re-marshals every op it receives
// with Go's deterministic encoding and re-derives digests; our digests (source locations, Warn)
// only stay valid if we produce exactly those bytes. Go omits proto3 zero scalars (but writes
// oneof members even when zero), omits empty lists and maps, writes empty message fields, and
// sorts map entries by key. protobufjs writes explicit zeros and keeps map insertion order, so
// objects are canonicalized first and only then encoded.
import protobuf from "protobufjs";
import Long from "long";

type Plain = Record<string, unknown>;

export function encodeCanonical(type: protobuf.Type, value: Plain): Uint8Array {
  return type.encode(type.fromObject(canonicalize(type, value))).finish();
}

/** Decodes to a plain object keeping only the fields present on the wire. */
export function decodePlain(type: protobuf.Type, bytes: Uint8Array): Plain {
  return type.toObject(type.decode(bytes), { longs: Long, bytes: Uint8Array as never, defaults: false }) as Plain;
}

function canonicalize(type: protobuf.Type, value: Plain): Plain {
  type.resolveAll();
  const out: Plain = {};
  for (const field of type.fieldsArray) {
    const v = value[field.name];
    if (v === undefined || v === null) continue;
    const canonical = canonicalField(field, v);
    if (canonical !== undefined) out[field.name] = canonical;
  }
  return out;
}

function canonicalField(field: protobuf.Field, v: unknown): unknown {
  if (field.map) {
    const entries = Object.entries(v as Plain).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (entries.length === 0) return undefined;
    return Object.fromEntries(entries.map(([k, e]) => [k, canonicalElement(field, e)]));
  }
  if (field.repeated) {
    const list = v as unknown[];
    return list.length === 0 ? undefined : list.map((e) => canonicalElement(field, e));
  }
  if (field.resolvedType instanceof protobuf.Type) return canonicalize(field.resolvedType, v as Plain);
  return field.partOf || !isZero(v) ? v : undefined;
}

function canonicalElement(field: protobuf.Field, v: unknown): unknown {
  return field.resolvedType instanceof protobuf.Type ? canonicalize(field.resolvedType, v as Plain) : v;
}

function isZero(v: unknown): boolean {
  if (Long.isLong(v)) return (v as Long).isZero();
  if (v instanceof Uint8Array) return v.length === 0;
  return v === 0 || v === "" || v === false;
}
