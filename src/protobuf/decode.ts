// One generic protobuf wire-format decoder driven by the descriptor table in
// ./messages.ts. It turns a Kubernetes protobuf message into the JSON a client
// would have sent for the same object.

import { FIELD_ORDER, MESSAGES, SPECIAL_MESSAGES, type FieldDescriptor, type SpecialKind } from './messages';

/** Wire types. Groups (3, 4) are not used by Kubernetes and are rejected. */
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

const MAX_DEPTH = 100;

const utf8 = new TextDecoder('utf-8');

/** A raw field value as read from the wire: a varint, a fixed-width number, or a byte range. */
type Raw = { wt: typeof VARINT; v: bigint } | { wt: typeof FIXED64; v: Uint8Array } | { wt: typeof FIXED32; v: Uint8Array } | { wt: typeof LEN; v: Uint8Array };

export class ProtobufReader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly where: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new Error(`protobuf: truncated varint in ${this.where}`);
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new Error(`protobuf: varint longer than 10 bytes in ${this.where}`);
  }

  /** A small varint (tags, lengths) as a number. */
  uint(): number {
    const v = this.varint();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`protobuf: value too large in ${this.where}`);
    return Number(v);
  }

  bytes(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) throw new Error(`protobuf: length ${n} runs past the end of ${this.where}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Next field: number, wire type and raw value. */
  field(): { num: number; raw: Raw } {
    const key = this.uint();
    const num = Math.floor(key / 8);
    const wt = key & 7;
    if (num === 0) throw new Error(`protobuf: field number 0 in ${this.where}`);
    switch (wt) {
      case VARINT:
        return { num, raw: { wt, v: this.varint() } };
      case FIXED64:
        return { num, raw: { wt, v: this.bytes(8) } };
      case LEN:
        return { num, raw: { wt, v: this.bytes(this.uint()) } };
      case FIXED32:
        return { num, raw: { wt, v: this.bytes(4) } };
      default:
        throw new Error(`protobuf: unsupported wire type ${wt} (field ${num}) in ${this.where}`);
    }
  }
}

/** Reads every field of a message into number -> raw values, in wire order. */
export function readFields(bytes: Uint8Array, where: string): Map<number, Raw[]> {
  const r = new ProtobufReader(bytes, where);
  const out = new Map<number, Raw[]>();
  while (!r.done) {
    const { num, raw } = r.field();
    const list = out.get(num);
    if (list) list.push(raw);
    else out.set(num, [raw]);
  }
  return out;
}

export function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function wrongWire(where: string, raw: Raw, want: string): Error {
  return new Error(`protobuf: wrong wire type ${raw.wt} for ${where} (${want})`);
}

/** Scalar values of one field occurrence (several when a repeated scalar is packed). */
function scalars(type: string, raw: Raw, where: string, repeated: boolean): unknown[] {
  if (type === 'string') {
    if (raw.wt !== LEN) throw wrongWire(where, raw, 'string');
    return [utf8.decode(raw.v)];
  }
  if (type === 'bytes') {
    if (raw.wt !== LEN) throw wrongWire(where, raw, 'bytes');
    return [raw.v];
  }
  if (type === 'double') {
    if (raw.wt === FIXED64) return [new DataView(raw.v.buffer, raw.v.byteOffset, 8).getFloat64(0, true)];
    if (raw.wt === LEN && repeated) {
      if (raw.v.length % 8) throw new Error(`protobuf: packed doubles of bad length in ${where}`);
      const dv = new DataView(raw.v.buffer, raw.v.byteOffset, raw.v.length);
      const out: number[] = [];
      for (let i = 0; i < raw.v.length; i += 8) out.push(dv.getFloat64(i, true));
      return out;
    }
    throw wrongWire(where, raw, 'double');
  }
  // varint types
  let values: bigint[];
  if (raw.wt === VARINT) values = [raw.v];
  else if (raw.wt === LEN && repeated) {
    const r = new ProtobufReader(raw.v, where);
    values = [];
    while (!r.done) values.push(r.varint());
  } else throw wrongWire(where, raw, type);
  return values.map((v) => {
    if (type === 'bool') return v !== 0n;
    if (type === 'int32') return Number(BigInt.asIntN(32, v));
    return Number(BigInt.asIntN(64, v)); // int64
  });
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false || (v instanceof Uint8Array && v.length === 0);
}

// ---- well-known types ----

function lastVarint(fields: Map<number, Raw[]>, num: number, where: string): bigint {
  const list = fields.get(num);
  if (!list) return 0n;
  const raw = list[list.length - 1];
  if (raw.wt !== VARINT) throw wrongWire(where, raw, 'varint');
  return raw.v;
}

function lastBytes(fields: Map<number, Raw[]>, num: number, where: string): Uint8Array | undefined {
  const list = fields.get(num);
  if (!list) return undefined;
  const raw = list[list.length - 1];
  if (raw.wt !== LEN) throw wrongWire(where, raw, 'length-delimited');
  return raw.v;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** RFC 3339 in UTC, as Go's metav1.Time / MicroTime marshal it. */
function rfc3339(seconds: bigint, nanos: number, micro: boolean, where: string): string {
  const ms = Number(seconds) * 1000;
  const d = new Date(ms);
  if (!Number.isFinite(ms) || Number.isNaN(d.getTime())) throw new Error(`protobuf: time out of range in ${where}`);
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw new Error(`protobuf: time out of range in ${where}`);
  let s = `${pad(y, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  if (micro) s += '.' + pad(Math.floor(nanos / 1000), 6);
  return s + 'Z';
}

/** Go's time.Duration.String(). */
export function goDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  const frac = (v: bigint, digits: number): string => {
    // v has `digits` decimal places; trim trailing zeros
    const s = v.toString().padStart(digits + 1, '0');
    const int = s.slice(0, s.length - digits);
    const f = s.slice(s.length - digits).replace(/0+$/, '');
    return f ? `${int}.${f}` : int;
  };
  if (u < 1_000_000_000n) {
    if (u < 1000n) out = `${u}ns`;
    else if (u < 1_000_000n) out = `${frac(u, 3)}µs`;
    else out = `${frac(u, 6)}ms`;
  } else {
    const h = u / 3_600_000_000_000n;
    u -= h * 3_600_000_000_000n;
    const m = u / 60_000_000_000n;
    u -= m * 60_000_000_000n;
    const secs = `${frac(u, 9)}s`;
    out = h > 0n ? `${h}h${m}m${secs}` : m > 0n ? `${m}m${secs}` : secs;
  }
  return neg ? '-' + out : out;
}

function special(kind: SpecialKind, bytes: Uint8Array, where: string, depth: number): unknown {
  const fields = readFields(bytes, where);
  switch (kind) {
    case 'time':
    case 'microtime': {
      // an empty message is Go's zero time, which marshals to JSON null
      if (fields.size === 0) return undefined;
      const seconds = BigInt.asIntN(64, lastVarint(fields, 1, `${where}.seconds`));
      const nanos = Number(BigInt.asIntN(32, lastVarint(fields, 2, `${where}.nanos`)));
      if (nanos < 0 || nanos > 999_999_999) throw new Error(`protobuf: nanos out of range in ${where}`);
      return rfc3339(seconds, nanos, kind === 'microtime', where);
    }
    case 'duration':
      return goDuration(BigInt.asIntN(64, lastVarint(fields, 1, `${where}.duration`)));
    case 'quantity': {
      const s = lastBytes(fields, 1, `${where}.string`);
      if (s === undefined) return '0';
      const q = utf8.decode(s);
      if (q === '') throw new Error(`protobuf: empty quantity in ${where}`);
      return q;
    }
    case 'intorstring': {
      const type = lastVarint(fields, 1, `${where}.type`);
      if (type === 1n) {
        const s = lastBytes(fields, 3, `${where}.strVal`);
        return s ? utf8.decode(s) : '';
      }
      if (type !== 0n) throw new Error(`protobuf: IntOrString type ${type} in ${where}`);
      return Number(BigInt.asIntN(32, lastVarint(fields, 2, `${where}.intVal`)));
    }
    case 'rawjson': {
      const raw = lastBytes(fields, 1, `${where}.raw`);
      if (!raw || raw.length === 0) return undefined;
      if (isK8sProtobuf(raw)) return decodeEnvelope(raw, depth + 1).object;
      try {
        return JSON.parse(utf8.decode(raw));
      } catch {
        throw new Error(`protobuf: ${where} holds neither JSON nor a Kubernetes protobuf object`);
      }
    }
    case 'stringlist': {
      const out: string[] = [];
      for (const raw of fields.get(1) ?? []) out.push(...(scalars('string', raw, `${where}.items`, true) as string[]));
      return out;
    }
  }
}

function specialOf(msg: string): SpecialKind | undefined {
  return Object.hasOwn(SPECIAL_MESSAGES, msg) ? SPECIAL_MESSAGES[msg] : undefined;
}

/** Decodes a message of the given bytes (a length-delimited payload) to its JSON value. */
function messageValue(msg: string, chunks: Uint8Array[], where: string, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new Error(`protobuf: nesting deeper than ${MAX_DEPTH} at ${where}`);
  // Several occurrences of a singular message field merge, which for the wire
  // format is the same as decoding their concatenation.
  const bytes = chunks.length === 1 ? chunks[0] : concat(chunks);
  const kind = specialOf(msg);
  if (kind) return special(kind, bytes, where, depth);
  return decodeMessage(msg, bytes, where, depth);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function mapValue(f: FieldDescriptor, raws: Raw[], where: string, depth: number): Record<string, unknown> {
  const valueType = f.type.slice('map<string,'.length, -1); // string | bytes | message:X
  const out: Record<string, unknown> = {};
  for (const raw of raws) {
    if (raw.wt !== LEN) throw wrongWire(where, raw, 'map entry');
    const entry = readFields(raw.v, `${where} entry`);
    const kRaw = entry.get(1);
    const key = kRaw ? (scalars('string', kRaw[kRaw.length - 1], `${where} key`, false)[0] as string) : '';
    const vRaws = entry.get(2);
    let value: unknown;
    if (valueType === 'string') value = vRaws ? scalars('string', vRaws[vRaws.length - 1], `${where}[${key}]`, false)[0] : '';
    else if (valueType === 'bytes') value = base64(vRaws ? (scalars('bytes', vRaws[vRaws.length - 1], `${where}[${key}]`, false)[0] as Uint8Array) : new Uint8Array());
    else {
      const chunks = (vRaws ?? []).map((r) => {
        if (r.wt !== LEN) throw wrongWire(`${where}[${key}]`, r, 'message');
        return r.v;
      });
      value = messageValue(valueType.slice('message:'.length), chunks.length ? chunks : [new Uint8Array()], `${where}[${key}]`, depth + 1);
      if (value === undefined) value = null;
    }
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Decodes one message to a JSON object, following its descriptor. */
export function decodeMessage(msg: string, bytes: Uint8Array, where: string = msg, depth = 0): Record<string, unknown> {
  const desc = MESSAGES[msg];
  if (!desc) throw new Error(`protobuf: no descriptor for message ${msg}`);
  const fields = readFields(bytes, where);
  const out: Record<string, unknown> = {};
  for (const num of FIELD_ORDER[msg]) {
    const raws = fields.get(num);
    if (!raws) continue;
    const f = desc[num];
    const at = `${where}.${f.name}`;
    if (f.type.startsWith('map<')) {
      const m = mapValue(f, raws, at, depth);
      if (Object.keys(m).length) out[f.name] = m;
      continue;
    }
    if (f.type.startsWith('message:')) {
      const name = f.type.slice('message:'.length);
      const chunks = raws.map((r) => {
        if (r.wt !== LEN) throw wrongWire(at, r, 'message');
        return r.v;
      });
      if (f.repeated) {
        out[f.name] = chunks.map((c, i) => {
          const v = messageValue(name, [c], `${at}[${i}]`, depth + 1);
          return v === undefined ? null : v;
        });
        continue;
      }
      const v = messageValue(name, chunks, at, depth + 1);
      if (v === undefined) continue;
      if (f.inline) {
        Object.assign(out, v as Record<string, unknown>);
        continue;
      }
      // a non-pointer IntOrString that Go wrote as its zero value is unset (kube's defaulting
      // treats 0 and "" as unset); a zero Quantity stays "0", as Go's JSON writes it
      if (specialOf(name) === 'intorstring' && !f.ptr && !f.keep && (v === 0 || v === '')) continue;
      out[f.name] = v;
      continue;
    }
    // scalars
    if (f.repeated) {
      const list: unknown[] = [];
      for (const raw of raws) list.push(...scalars(f.type, raw, at, true));
      out[f.name] = f.type === 'bytes' ? list.map((b) => base64(b as Uint8Array)) : list;
      continue;
    }
    const v = scalars(f.type, raws[raws.length - 1], at, false)[0];
    if (isZero(v) && !f.ptr && !f.keep) continue;
    out[f.name] = f.type === 'bytes' ? base64(v as Uint8Array) : v;
  }
  return out;
}

// ---- envelope ----

export const PROTOBUF_MAGIC = new Uint8Array([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

export function isK8sProtobuf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x6b && bytes[1] === 0x38 && bytes[2] === 0x73 && bytes[3] === 0x00;
}

export class UnsupportedProtobufKind extends Error {
  readonly kind: string;
  readonly apiVersion: string;
  constructor(apiVersion: string, kind: string) {
    super(`no protobuf description for ${apiVersion ? `${apiVersion}, ` : ''}Kind=${kind || '(empty)'}`);
    this.name = 'UnsupportedProtobufKind';
    this.kind = kind;
    this.apiVersion = apiVersion;
  }
}

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

// set by index.ts to avoid a circular import of the kind table
let lookup: (apiVersion: string, kind: string) => string | undefined = () => undefined;
export function setKindLookup(fn: typeof lookup): void {
  lookup = fn;
}

export function decodeEnvelope(bytes: Uint8Array, depth = 0): DecodedObject {
  if (!isK8sProtobuf(bytes)) throw new Error('protobuf: body does not start with the Kubernetes protobuf magic "k8s\\0"');
  if (depth > MAX_DEPTH) throw new Error(`protobuf: nesting deeper than ${MAX_DEPTH}`);
  const unknown = readFields(bytes.subarray(4), 'runtime.Unknown');
  const str = (fields: Map<number, Raw[]>, num: number, where: string): string => {
    const b = lastBytes(fields, num, where);
    return b ? utf8.decode(b) : '';
  };
  const tmBytes = lastBytes(unknown, 1, 'runtime.Unknown.typeMeta');
  const typeMeta = tmBytes ? readFields(tmBytes, 'runtime.Unknown.typeMeta') : new Map<number, Raw[]>();
  const apiVersion = str(typeMeta, 1, 'runtime.Unknown.typeMeta.apiVersion');
  const kind = str(typeMeta, 2, 'runtime.Unknown.typeMeta.kind');
  const raw = lastBytes(unknown, 2, 'runtime.Unknown.raw') ?? new Uint8Array();
  const contentEncoding = str(unknown, 3, 'runtime.Unknown.contentEncoding');
  const contentType = str(unknown, 4, 'runtime.Unknown.contentType');
  if (!kind) throw new Error('protobuf: the runtime.Unknown envelope names no kind');
  if (contentEncoding) throw new Error(`protobuf: unsupported contentEncoding "${contentEncoding}"`);
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(utf8.decode(raw));
    } catch {
      throw new Error('protobuf: the envelope says application/json but its raw bytes are not JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('protobuf: the envelope holds JSON that is not an object');
    return { apiVersion, kind, object: { ...(parsed as Record<string, unknown>), apiVersion, kind } };
  }
  if (mediaType !== '' && mediaType !== 'application/vnd.kubernetes.protobuf') throw new Error(`protobuf: unsupported contentType "${contentType}"`);
  const msg = lookup(apiVersion, kind);
  if (!msg) throw new UnsupportedProtobufKind(apiVersion, kind);
  const body = decodeMessage(msg, raw, kind, depth);
  return { apiVersion, kind, object: { apiVersion, kind, ...body } };
}

/** Decodes bytes as the named message, well-known types included (Time, Duration, Quantity, ...). */
export function decodeAs(msg: string, bytes: Uint8Array): unknown {
  if (!MESSAGES[msg] && !specialOf(msg)) throw new Error(`protobuf: no descriptor for message ${msg}`);
  return messageValue(msg, [bytes], msg, 0);
}
