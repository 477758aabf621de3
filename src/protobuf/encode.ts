// The protobuf encoder for the same descriptor table the decoder reads: a JSON
// object (as kube-apiserver would write it) to the Kubernetes protobuf form,
// the "k8s\0" magic and a runtime.Unknown envelope around the kind's message.

import { FIELD_ORDER, MESSAGES, SPECIAL_MESSAGES, messageForKind, type FieldDescriptor, type SpecialKind } from './messages';

const utf8 = new TextEncoder();

/** Appends protobuf wire-format fields to a byte list. */
export class ProtobufWriter {
  readonly bytes: number[] = [];
  varint(v: bigint | number): this {
    let u = BigInt.asUintN(64, BigInt(v));
    while (u >= 0x80n) {
      this.bytes.push(Number(u & 0x7fn) | 0x80);
      u >>= 7n;
    }
    this.bytes.push(Number(u));
    return this;
  }
  tag(num: number, wireType: number): this {
    return this.varint(num * 8 + wireType);
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.bytes.push(b[i]);
    return this;
  }
  len(num: number, b: ArrayLike<number>): this {
    return this.tag(num, 2).varint(b.length).raw(b);
  }
  double(num: number, v: number): this {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, v, true);
    return this.tag(num, 1).raw(new Uint8Array(dv.buffer));
  }
}

export interface EncodeOptions {
  /** Write zero values of unset non-pointer fields, as Go's generated marshalling does. */
  goDefaults?: boolean;
  /** Pack repeated numeric fields (proto3 style; Go's proto2 marshalling does not). */
  packed?: boolean;
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const GO_DURATION_UNITS: Record<string, number> = { h: 3.6e12, m: 6e10, s: 1e9, ms: 1e6, us: 1e3, µs: 1e3, ns: 1 };

function parseGoDuration(s: string): bigint {
  let total = 0n;
  for (const m of s.matchAll(/([0-9.]+)(h|ms|m|s|us|µs|ns)/g)) total += BigInt(Math.round(Number(m[1]) * GO_DURATION_UNITS[m[2]]));
  return s.startsWith('-') ? -total : total;
}

function encodeSpecial(kind: SpecialKind, v: unknown): number[] {
  const w = new ProtobufWriter();
  switch (kind) {
    case 'time':
    case 'microtime': {
      if (v == null) break; // the zero time (JSON null) is an empty message
      const s = String(v);
      const ms = Date.parse(s);
      if (Number.isNaN(ms)) throw new Error(`protobuf: "${s}" is not a time`);
      const frac = /\.(\d+)Z$/.exec(s)?.[1] ?? '';
      w.tag(1, 0).varint(BigInt(Math.floor(ms / 1000)));
      // Go's metav1.Time writes nanos even when they are 0
      w.tag(2, 0).varint(frac ? Number(frac.padEnd(9, '0').slice(0, 9)) : 0);
      break;
    }
    case 'duration':
      w.tag(1, 0).varint(parseGoDuration(String(v)));
      break;
    case 'quantity':
      w.len(1, utf8.encode(String(v)));
      break;
    case 'intorstring':
      if (typeof v === 'number') w.tag(1, 0).varint(0).tag(2, 0).varint(v).len(3, []);
      else w.tag(1, 0).varint(1).tag(2, 0).varint(0).len(3, utf8.encode(String(v)));
      break;
    case 'rawjson':
      w.len(1, utf8.encode(JSON.stringify(v)));
      break;
    case 'stringlist':
      for (const s of v as string[]) w.len(1, utf8.encode(s));
      break;
  }
  return w.bytes;
}

/** What Go writes for a zero value of a non-pointer special field. */
const ZERO_SPECIAL: Partial<Record<SpecialKind, number[]>> = {
  time: [], // the zero time is an empty message
  intorstring: [0x08, 0x00, 0x10, 0x00, 0x1a, 0x00],
  quantity: [0x0a, 0x01, 0x30], // "0"
};

function encodeScalar(w: ProtobufWriter, num: number, type: string, v: unknown): void {
  switch (type) {
    case 'string':
      w.len(num, utf8.encode(String(v)));
      break;
    case 'bytes':
      w.len(num, typeof v === 'string' ? fromBase64(v) : (v as Uint8Array));
      break;
    case 'bool':
      w.tag(num, 0).varint(v ? 1 : 0);
      break;
    case 'int32':
    case 'int64':
      w.tag(num, 0).varint(BigInt(v as number));
      break;
    case 'double':
      w.double(num, v as number);
      break;
    default:
      throw new Error(`protobuf: cannot encode scalar ${type}`);
  }
}

const ASCENDING: Record<string, number[]> = Object.fromEntries(Object.entries(FIELD_ORDER).map(([m, nums]) => [m, [...nums].sort((a, b) => a - b)]));

const ZERO_SCALAR: Record<string, unknown> = { string: '', bool: false, bytes: new Uint8Array(), int32: 0, int64: 0, double: 0 };

/** Encodes a JSON value as the named message (well-known types included). */
export function encodeMessage(name: string, value: unknown, opts: EncodeOptions = {}): number[] {
  if (Object.hasOwn(SPECIAL_MESSAGES, name)) return encodeSpecial(SPECIAL_MESSAGES[name], value);
  const desc = MESSAGES[name];
  if (!desc) throw new Error(`protobuf: no descriptor for message ${name}`);
  const o = (value ?? {}) as Record<string, unknown>;
  const w = new ProtobufWriter();
  // ascending field numbers, as Go's generated marshalling writes them
  for (const num of ASCENDING[name]) {
    const f: FieldDescriptor = desc[num];
    if (f.inline) {
      w.len(num, encodeMessage(f.type.slice('message:'.length), o, opts));
      continue;
    }
    const v = Object.hasOwn(o, f.name) ? o[f.name] : undefined;
    if (f.type.startsWith('map<')) {
      if (v == null) continue;
      const valueType = f.type.slice('map<string,'.length, -1);
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
        const entry = new ProtobufWriter().len(1, utf8.encode(k));
        if (valueType.startsWith('message:')) entry.len(2, encodeMessage(valueType.slice('message:'.length), val, opts));
        else encodeScalar(entry, 2, valueType, val);
        w.len(num, entry.bytes);
      }
      continue;
    }
    if (f.type.startsWith('message:')) {
      const msg = f.type.slice('message:'.length);
      if (v == null) {
        const zero = Object.hasOwn(SPECIAL_MESSAGES, msg) ? ZERO_SPECIAL[SPECIAL_MESSAGES[msg]] : undefined;
        if (opts.goDefaults && !f.ptr && !f.repeated && zero) w.len(num, zero);
        continue;
      }
      for (const item of f.repeated ? (v as unknown[]) : [v]) w.len(num, encodeMessage(msg, item, opts));
      continue;
    }
    if (f.repeated) {
      if (v == null) continue;
      const list = v as unknown[];
      if (opts.packed && (f.type === 'int32' || f.type === 'int64' || f.type === 'bool')) {
        const p = new ProtobufWriter();
        for (const x of list) p.varint(f.type === 'bool' ? (x ? 1 : 0) : BigInt(x as number));
        w.len(num, p.bytes);
      } else for (const x of list) encodeScalar(w, num, f.type, x);
      continue;
    }
    if (v == null) {
      if (opts.goDefaults && !f.ptr) encodeScalar(w, num, f.type, ZERO_SCALAR[f.type]);
      continue;
    }
    encodeScalar(w, num, f.type, v);
  }
  return w.bytes;
}

/** "k8s\0" + runtime.Unknown{typeMeta, raw, contentEncoding "", contentType ""}, as client-go writes it. */
export function envelope(apiVersion: string, kind: string, raw: ArrayLike<number>, extra: { contentEncoding?: string; contentType?: string } = {}): Uint8Array {
  const typeMeta = new ProtobufWriter().len(1, utf8.encode(apiVersion)).len(2, utf8.encode(kind));
  const unknown = new ProtobufWriter()
    .len(1, typeMeta.bytes)
    .len(2, raw)
    .len(3, utf8.encode(extra.contentEncoding ?? ''))
    .len(4, utf8.encode(extra.contentType ?? ''));
  const out = new Uint8Array(4 + unknown.bytes.length);
  out.set([0x6b, 0x38, 0x73, 0x00]);
  out.set(unknown.bytes, 4);
  return out;
}

/** Whether apiVersion/kind has a protobuf form. */
export const hasProtobufForm = (apiVersion: string, kind: string): boolean => messageForKind(apiVersion, kind) !== undefined;

/** Encodes an object with apiVersion and kind to the Kubernetes protobuf form. */
export function encodeObject(obj: Record<string, unknown>, opts: EncodeOptions = {}): Uint8Array {
  const apiVersion = String(obj.apiVersion ?? '');
  const kind = String(obj.kind ?? '');
  const msg = messageForKind(apiVersion, kind);
  if (!msg) throw new Error(`protobuf: no protobuf form for ${apiVersion}, Kind=${kind}`);
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return envelope(apiVersion, kind, encodeMessage(msg, rest, opts));
}

/**
 * One watch event as kube-apiserver's protobuf watch stream writes it: a
 * WatchEvent of the resource's group version whose object is the embedded
 * object's own protobuf form (RawExtension.raw).
 */
export function encodeWatchEvent(groupVersion: string, type: string, object: Record<string, unknown>): Uint8Array {
  const event = new ProtobufWriter().len(1, utf8.encode(type)).len(2, new ProtobufWriter().len(1, encodeObject(object, { goDefaults: true })).bytes);
  return envelope(groupVersion, 'WatchEvent', event.bytes);
}

/** A frame of a protobuf stream: the message's length as 4 big-endian bytes, then the message. */
export function lengthDelimited(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + message.length);
  new DataView(out.buffer).setUint32(0, message.length);
  out.set(message, 4);
  return out;
}
