// Defaulting as kube-apiserver does it: one SetDefaults function per Go type
// (the DEFAULTS table, by protobuf message name), applied wherever that type
// appears in an object, as kube's generated SetObjectDefaults_* walk a kind:
// a type's own defaults first, then those of the types inside it. The walk
// follows the generated descriptors, so a Container is defaulted the same in
// a Pod, a Deployment's template, a CronJob's job template or an ephemeral
// container, and a kind needs no defaulting code of its own. The same walk
// writes every resource Quantity in canonical form, as Go's decoding and
// encoding of a Quantity do.

import { messageForKind, MESSAGES, SPECIAL_MESSAGES } from '../../protobuf';
import { canonicalQuantity } from '../quantity';
import type { KObject, ResourceDefinition } from '../types';
import { gvString } from '../registry';
import { CORE_DEFAULTS } from './core';
import { GROUP_DEFAULTS } from './groups';
import { isObject, type TypeDefaults } from './types';

export const DEFAULTS: Readonly<Record<string, TypeDefaults>> = { ...CORE_DEFAULTS, ...GROUP_DEFAULTS };

interface Nested { name: string; message: string; inline: boolean; shape: 'one' | 'list' | 'map'; quantity: boolean }

const nestedCache = new Map<string, Nested[]>();
const reaches = new Map<string, boolean>();

/** Whether msg, or a type inside it, has defaults or quantities (types that cannot are never walked). */
function reachesDefaults(msg: string): boolean {
  const known = reaches.get(msg);
  if (known !== undefined) return known;
  reaches.set(msg, false); // a type that contains itself adds nothing while it is being looked at
  const found = !!DEFAULTS[msg] || nested(msg).length > 0;
  reaches.set(msg, found);
  return found;
}

/** The fields of msg holding quantities, or messages with defaults somewhere inside; computed once per type. */
function nested(msg: string): Nested[] {
  let list = nestedCache.get(msg);
  if (list) return list;
  list = [];
  nestedCache.set(msg, list);
  for (const f of Object.values(MESSAGES[msg] ?? {})) {
    const m = /^(?:map<string,)?message:([^>]+)>?$/.exec(f.type);
    if (!m) continue;
    const quantity = Object.hasOwn(SPECIAL_MESSAGES, m[1]) && SPECIAL_MESSAGES[m[1]] === 'quantity';
    if (!quantity && (!MESSAGES[m[1]] || !reachesDefaults(m[1]))) continue; // Time, IntOrString, ...: nothing to default
    list.push({ name: f.name, message: m[1], inline: !!f.inline, shape: f.type.startsWith('map<') ? 'map' : f.repeated ? 'list' : 'one', quantity });
  }
  return list;
}

/** Applies the defaults of msg and of every type inside it to obj, in place. */
export function defaultMessage(msg: string, obj: KObject): void {
  DEFAULTS[msg]?.(obj);
  for (const f of nested(msg)) {
    if (f.quantity) {
      canonicalize(obj, f);
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

/** Rewrites the quantities of one field (a Quantity or a ResourceList) in canonical form; what does not parse stays for validation. */
function canonicalize(obj: KObject, f: Nested) {
  const v = obj[f.name];
  if (f.shape === 'map') {
    if (!isObject(v)) return;
    for (const [k, q] of Object.entries(v)) v[k] = canonicalQuantity(q) ?? q;
  } else if (f.shape === 'one' && v !== undefined && v !== null) obj[f.name] = canonicalQuantity(v) ?? v;
}

/** Defaults an object of def's kind, then what def adds on the way in (a Secret's stringData). */
export function applyDefaults(def: ResourceDefinition, obj: KObject): void {
  const msg = messageForKind(gvString(def), def.kind);
  if (msg) defaultMessage(msg, obj);
  def.defaults?.(obj);
}
