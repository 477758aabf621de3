// Defaulting as kube-apiserver does it: one SetDefaults function per Go type
// (the DEFAULTS table, by protobuf message name), applied wherever that type
// appears in an object, as kube's generated SetObjectDefaults_* walk a kind:
// a type's own defaults first, then those of the types inside it. The walk
// follows the generated descriptors, so a Container is defaulted the same in
// a Pod, a Deployment's template, a CronJob's job template or an ephemeral
// container, and a kind needs no defaulting code of its own. The same walk
// writes every resource Quantity, Time and MicroTime in the form Go's
// decoding and encoding of them gives (canonical quantities, UTC times).

import { messageForKind, MESSAGES, SPECIAL_MESSAGES } from '../../protobuf';
import { canonicalQuantity } from '../quantity';
import { canonicalTime } from '../time';
import type { SpecialKind } from '../../protobuf/messages';
import type { KObject, ResourceDefinition } from '../types';
import { gvString } from '../registry';
import { CORE_DEFAULTS } from './core';
import { GROUP_DEFAULTS } from './groups';
import { isObject, type TypeDefaults } from './types';

export const DEFAULTS: Readonly<Record<string, TypeDefaults>> = { ...CORE_DEFAULTS, ...GROUP_DEFAULTS };

/** Scalars whose Go types write back another form than the one read: the form they write. */
const CANONICAL: Partial<Record<SpecialKind, (v: unknown) => unknown>> = {
  quantity: canonicalQuantity,
  time: (v) => canonicalTime(v),
  microtime: (v) => canonicalTime(v, true),
};

interface Nested { name: string; message: string; inline: boolean; shape: 'one' | 'list' | 'map'; canonical?: (v: unknown) => unknown }

const nestedCache = new Map<string, Nested[]>();
const reaches = new Map<string, boolean>();

/** Whether msg, or a type inside it, has defaults or canonical scalars (types that cannot are never walked). */
function reachesDefaults(msg: string): boolean {
  const known = reaches.get(msg);
  if (known !== undefined) return known;
  reaches.set(msg, false); // a type that contains itself adds nothing while it is being looked at
  const found = !!DEFAULTS[msg] || nested(msg).length > 0;
  reaches.set(msg, found);
  return found;
}

/** The fields of msg holding canonical scalars, or messages with defaults somewhere inside; computed once per type. */
function nested(msg: string): Nested[] {
  let list = nestedCache.get(msg);
  if (list) return list;
  list = [];
  nestedCache.set(msg, list);
  for (const f of Object.values(MESSAGES[msg] ?? {})) {
    const m = /^(?:map<string,)?message:([^>]+)>?$/.exec(f.type);
    if (!m) continue;
    const canonical = Object.hasOwn(SPECIAL_MESSAGES, m[1]) ? CANONICAL[SPECIAL_MESSAGES[m[1]]] : undefined;
    if (!canonical && (!MESSAGES[m[1]] || !reachesDefaults(m[1]))) continue; // IntOrString, Duration, ...: nothing to do
    list.push({ name: f.name, message: m[1], inline: !!f.inline, shape: f.type.startsWith('map<') ? 'map' : f.repeated ? 'list' : 'one', canonical });
  }
  return list;
}

/** Applies the defaults of msg and of every type inside it to obj, in place. */
export function defaultMessage(msg: string, obj: KObject): void {
  DEFAULTS[msg]?.(obj);
  for (const f of nested(msg)) {
    if (f.canonical) {
      canonicalize(obj, f, f.canonical);
      continue;
    }
    if (f.inline) {
      defaultMessage(f.message, obj);
      continue;
    }
    const v = obj[f.name];
    const values = f.shape === 'map' ? (isObject(v) ? Object.values(v) : []) : f.shape === 'list' ? (Array.isArray(v) ? v : []) : [v];
    for (const item of values) if (isObject(item)) defaultMessage(f.message, item);
  }
}

/** Rewrites one field's scalars (a Quantity, a ResourceList, a Time) in the form Go writes; what does not parse stays for validation. */
function canonicalize(obj: KObject, f: Nested, canonical: (v: unknown) => unknown) {
  const v = obj[f.name];
  if (f.shape === 'map') {
    if (!isObject(v)) return;
    for (const [k, q] of Object.entries(v)) v[k] = canonical(q) ?? q;
  } else if (f.shape === 'list') {
    if (Array.isArray(v)) v.forEach((q, i) => { v[i] = canonical(q) ?? q; });
  } else if (v !== undefined && v !== null) obj[f.name] = canonical(v) ?? v;
}

/** Defaults an object of def's kind, then what def adds on the way in (a Secret's stringData). */
export function applyDefaults(def: ResourceDefinition, obj: KObject): void {
  const msg = messageForKind(gvString(def), def.kind);
  if (msg) defaultMessage(msg, obj);
  def.defaults?.(obj);
}
