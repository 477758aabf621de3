// Defaulting as kube-apiserver does it: one SetDefaults function per Go type
// (the DEFAULTS table, by protobuf message name), applied wherever that type
// appears in an object, as kube's generated SetObjectDefaults_* walk a kind:
// a type's own defaults first, then those of the types inside it. The walk
// follows the generated descriptors, so a Container is defaulted the same in
// a Pod, a Deployment's template, a CronJob's job template or an ephemeral
// container, and a kind needs no defaulting code of its own.

import { messageForKind, MESSAGES } from '../../protobuf';
import type { KObject, ResourceDefinition } from '../types';
import { gvString } from '../registry';
import { CORE_DEFAULTS } from './core';
import { GROUP_DEFAULTS } from './groups';
import { isObject, type TypeDefaults } from './types';

export const DEFAULTS: Readonly<Record<string, TypeDefaults>> = { ...CORE_DEFAULTS, ...GROUP_DEFAULTS };

/** Applies the defaults of msg and of every type inside it to obj, in place. */
export function defaultMessage(msg: string, obj: KObject): void {
  DEFAULTS[msg]?.(obj);
  for (const f of Object.values(MESSAGES[msg] ?? {})) {
    if (!f.type.startsWith('message:') && !f.type.startsWith('map<string,message:')) continue;
    const inner = f.type.slice(f.type.indexOf('message:') + 'message:'.length).replace(/>$/, '');
    if (!MESSAGES[inner]) continue; // Time, Quantity, ...: nothing to default
    if (f.inline) {
      defaultMessage(inner, obj);
      continue;
    }
    const v = obj[f.name];
    const values = f.type.startsWith('map<') ? (isObject(v) ? Object.values(v) : []) : f.repeated ? (Array.isArray(v) ? v : []) : [v];
    for (const item of values) if (isObject(item)) defaultMessage(inner, item);
  }
}

/** Defaults an object of def's kind, then what def adds on the way in (a Secret's stringData). */
export function applyDefaults(def: ResourceDefinition, obj: KObject): void {
  const msg = messageForKind(gvString(def), def.kind);
  if (msg) defaultMessage(msg, obj);
  def.defaults?.(obj);
}
