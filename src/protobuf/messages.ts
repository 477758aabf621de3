// Message descriptors for the Kubernetes protobuf wire format, generated from
// the upstream v1.35 generated.proto files joined with the Go struct tags of
// the same types (scripts/gen-protobuf-descriptors.mjs writes
// ./generated/descriptors.json). One generic decoder (./decode.ts) and one
// encoder (./encode.ts) walk these; no kind has hand-written code.
//
// A message is a list of rows [number, jsonName, type, ...flags]:
//   type   string | int32 | int64 | bool | bytes | double | <full message name>
//          []<type> (repeated) | map<string,<type>>
//   flags  ptr     the Go field is a pointer (*int32, *bool, *string, *IntOrString ...): a zero
//                  value on the wire was set on purpose and is kept (gracePeriodSeconds: 0,
//                  replicas: 0, optional: false)
//          keep    the Go JSON tag has no omitempty: a zero value on the wire is kept
//          inline  the Go field is embedded with `json:",inline"`: its fields join the parent
//          go:T    the Go field's type as reflect names it (for kube's decode error messages)
// Without a flag a zero scalar ("" / 0 / false) is treated as unset, as Go's omitempty does:
// Go's protobuf marshalling writes every non-pointer field, set or not.
// A message given as a string instead of rows has a JSON form of its own (SpecialKind).

import generated from './generated/descriptors.json';

export type ScalarType = 'string' | 'int32' | 'int64' | 'bool' | 'bytes' | 'double';
export type FieldType = ScalarType | `message:${string}` | 'map<string,string>' | 'map<string,bytes>' | `map<string,message:${string}>`;

export interface FieldDescriptor {
  /** JSON field name (for inline fields, the proto field name; its keys join the parent). */
  name: string;
  type: FieldType;
  repeated?: true;
  /** Pointer in Go: keep zero values that are present on the wire. */
  ptr?: true;
  /** No omitempty in the Go JSON tag: keep zero values that are present on the wire. */
  keep?: true;
  /** Embedded with json:",inline". */
  inline?: true;
  /** The Go field's type as reflect names it ("v1.Protocol", "[]v1.Container", "int32"), for kube's decode errors. */
  goType?: string;
}

export type MessageDescriptor = Record<number, FieldDescriptor>;

/**
 * How types whose JSON is not an object of their proto fields read:
 * time (metav1.Time, RFC 3339 seconds), microtime, duration (Go duration string),
 * quantity (its string form), intorstring (number or string), rawjson (embedded
 * JSON or a nested k8s protobuf object: RawExtension, FieldsV1), stringlist
 * (a Go []string written as a message of one repeated field: ExtraValue).
 */
export type SpecialKind = 'time' | 'microtime' | 'duration' | 'quantity' | 'intorstring' | 'rawjson' | 'stringlist';

type Row = [number, string, string, ...string[]];
interface Generated {
  kinds: Record<string, string>;
  anyVersion: Record<string, string>;
  messages: Record<string, Row[] | string>;
}
const GEN = generated as unknown as Generated;

const SCALARS = new Set<string>(['string', 'int32', 'int64', 'bool', 'bytes', 'double']);
const SPECIAL_KINDS = new Set<string>(['time', 'microtime', 'duration', 'quantity', 'intorstring', 'rawjson', 'stringlist']);

function parseType(t: string, where: string): FieldType {
  if (SCALARS.has(t)) return t as ScalarType;
  const m = /^map<string,(.+)>$/.exec(t);
  if (m) {
    const v = m[1];
    if (v === 'string' || v === 'bytes') return `map<string,${v}>`;
    if (SCALARS.has(v)) throw new Error(`protobuf descriptors: unsupported map value ${v} at ${where}`);
    return `map<string,message:${v}>`;
  }
  if (!/^[a-z0-9]+(\.[A-Za-z0-9]+)+$/.test(t)) throw new Error(`protobuf descriptors: bad type ${t} at ${where}`);
  return `message:${t}`;
}

function parseRows(msg: string, rows: Row[]): MessageDescriptor {
  const desc: MessageDescriptor = {};
  for (const [num, name, type, ...flags] of rows) {
    const where = `${msg}.${name}`;
    if (desc[num]) throw new Error(`protobuf descriptors: duplicate field number ${num} in ${msg}`);
    const repeated = type.startsWith('[]');
    const field: FieldDescriptor = { name, type: parseType(repeated ? type.slice(2) : type, where) };
    if (repeated) field.repeated = true;
    for (const f of flags) {
      if (f === 'ptr') field.ptr = true;
      else if (f === 'keep') field.keep = true;
      else if (f === 'inline') field.inline = true;
      else if (f.startsWith('go:')) field.goType = f.slice(3);
      else throw new Error(`protobuf descriptors: unknown flag ${f} at ${where}`);
    }
    if (field.inline && (repeated || !field.type.startsWith('message:'))) throw new Error(`protobuf descriptors: inline needs a single message at ${where}`);
    desc[num] = field;
  }
  return desc;
}

const messages: Record<string, MessageDescriptor> = {};
const order: Record<string, number[]> = {};
const special: Record<string, SpecialKind> = {};
for (const [msg, rows] of Object.entries(GEN.messages)) {
  if (typeof rows === 'string') {
    if (!SPECIAL_KINDS.has(rows)) throw new Error(`protobuf descriptors: unknown special kind ${rows} of ${msg}`);
    special[msg] = rows as SpecialKind;
    continue;
  }
  messages[msg] = parseRows(msg, rows);
  order[msg] = rows.map((r) => r[0]);
}

/** The descriptor table: full message name -> field number -> field. */
export const MESSAGES: Readonly<Record<string, MessageDescriptor>> = messages;

/** Field numbers of a message in declaration order (the order the proto lists them). */
export const FIELD_ORDER: Readonly<Record<string, number[]>> = order;

/** Messages with a JSON form of their own, by full name. */
export const SPECIAL_MESSAGES: Readonly<Record<string, SpecialKind>> = special;

/** apiVersion/kind -> top-level message, for every served kind, its list and its subresources' kinds. */
export const KINDS: Readonly<Record<string, string>> = GEN.kinds;

/** kube-apiserver registers DeleteOptions in every group version: accepted under any apiVersion. */
export const ANY_VERSION_KINDS: Readonly<Record<string, string>> = GEN.anyVersion;

/** The message describing apiVersion/kind, or undefined. */
export function messageForKind(apiVersion: string, kind: string): string | undefined {
  const key = `${apiVersion}/${kind}`;
  if (Object.hasOwn(KINDS, key)) return KINDS[key];
  return Object.hasOwn(ANY_VERSION_KINDS, kind) ? ANY_VERSION_KINDS[kind] : undefined;
}

const jsonFieldCache = new Map<string, ReadonlyMap<string, FieldDescriptor>>();

/** A message's fields by JSON name, those of inline (embedded) messages promoted as Go promotes them. */
export function jsonFields(msg: string): ReadonlyMap<string, FieldDescriptor> {
  let fields = jsonFieldCache.get(msg);
  if (fields) return fields;
  const out = new Map<string, FieldDescriptor>();
  for (const f of Object.values(MESSAGES[msg] ?? {})) {
    if (f.inline) for (const [k, v] of jsonFields(f.type.slice('message:'.length))) out.set(k, v);
    else out.set(f.name, f);
  }
  jsonFieldCache.set(msg, (fields = out));
  return fields;
}
