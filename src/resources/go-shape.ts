// The JSON kube-apiserver writes is Go's encoding of a typed object, not the
// JSON a client sent: a struct field is always there (an empty Deployment
// status is "status": {}), a field without omitempty is written even when it
// is zero or nil ("rules": null, "lastProbeTime": null), and a zero value of
// an omitempty field is dropped ("paused": false, "labels": {}). goShape gives
// an object that form, from the generated descriptors (src/protobuf), so that
// what is stored and answered is what kube would store and answer.

import { jsonFields, SPECIAL_MESSAGES, type FieldDescriptor } from '../protobuf';
import { isObject } from './defaults/types';
import type { KObject } from './types';

const SCALAR_ZERO: Record<string, unknown> = { string: '', int32: 0, int64: 0, bool: false, double: 0, bytes: '' };
/** What Go writes for a zero value of a type with a MarshalJSON of its own. */
const SPECIAL_ZERO: Record<string, unknown> = { time: null, microtime: null, duration: '0s', quantity: '0', intorstring: 0, rawjson: null };

const messageOf = (type: string) => (type.startsWith('message:') ? type.slice('message:'.length) : undefined);
const special = (msg: string) => (Object.hasOwn(SPECIAL_MESSAGES, msg) ? SPECIAL_MESSAGES[msg] : undefined);

/** One element value (of a field, a list or a map) as Go writes it. */
function element(type: string, v: unknown): unknown {
  const msg = messageOf(type);
  if (msg && !special(msg) && isObject(v)) return goShape(msg, v);
  return v;
}

const absent = (v: unknown) => v === undefined || v === null;

/**
 * A field's value as Go writes it; `undefined` when Go leaves the field out.
 * `creationTimestamp` is the one field kube 1.35 tags omitzero: a zero one is left out.
 */
function fieldValue(f: FieldDescriptor, v: unknown): unknown {
  const keep = !!f.keep;
  if (f.repeated || f.type.startsWith('map<')) {
    if (absent(v)) return keep ? null : undefined;
    const empty = Array.isArray(v) ? v.length === 0 : isObject(v) && Object.keys(v).length === 0;
    if (empty) return keep ? v : undefined;
    const itemType = f.type.startsWith('map<') ? f.type.slice('map<string,'.length, -1) : f.type;
    if (Array.isArray(v)) return v.map((x) => element(itemType, x));
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, element(itemType, x)]));
    return v;
  }
  const msg = messageOf(f.type);
  if (f.ptr) {
    if (absent(v)) return keep ? null : undefined;
    return element(f.type, v);
  }
  if (msg) {
    const kind = special(msg);
    if (kind === 'stringlist') return absent(v) ? (keep ? null : undefined) : v;
    if (kind) {
      if (!absent(v)) return v;
      if (f.name === 'creationTimestamp') return undefined;
      return SPECIAL_ZERO[kind];
    }
    return goShape(msg, isObject(v) ? v : {});
  }
  const zero = SCALAR_ZERO[f.type];
  if (absent(v) || v === zero) return keep ? zero : undefined;
  return v;
}

/** obj as Go's encoding of msg writes it: the keys it had first, in their order, then those Go adds. */
export function goShape(msg: string, obj: KObject): KObject {
  const fields = jsonFields(msg);
  const out: KObject = {};
  for (const [k, v] of Object.entries(obj)) {
    const f = fields.get(k);
    if (!f) { out[k] = v; continue; } // nothing the descriptors know (schema pruning had its say)
    const shaped = fieldValue(f, v);
    if (shaped !== undefined) out[k] = shaped;
  }
  for (const [k, f] of fields) {
    if (Object.hasOwn(obj, k)) continue;
    const shaped = fieldValue(f, undefined);
    if (shaped !== undefined) out[k] = shaped;
  }
  return out;
}
