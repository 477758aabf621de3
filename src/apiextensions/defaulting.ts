// Structural defaulting of custom resources (apiextensions-apiserver's
// defaulting package): a missing field whose schema has a default gets a copy
// of it, top-down, so defaults inside defaults apply too; a null in a
// non-nullable field takes the default, or is dropped when there is none.
// Runs on create and update bodies and on every read from storage.
import type { JSONSchemaProps } from './types';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function applySchemaDefaults(s: JSONSchemaProps, v: unknown): void {
  if (Array.isArray(v)) {
    const items = s.items && !Array.isArray(s.items) ? s.items : undefined;
    if (!items) return;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === null && !items.nullable && items.default !== undefined) v[i] = structuredClone(items.default);
      applySchemaDefaults(items, v[i]);
    }
    return;
  }
  if (!isObject(v)) return;
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    if (v[k] === null && !p.nullable) {
      if (p.default !== undefined) v[k] = structuredClone(p.default);
      else delete v[k];
    } else if (v[k] === undefined && p.default !== undefined) v[k] = structuredClone(p.default);
    if (v[k] !== undefined) applySchemaDefaults(p, v[k]);
  }
  const ap = s.additionalProperties;
  if (isObject(ap) && !s.properties) {
    for (const k of Object.keys(v)) {
      if (v[k] === null && !ap.nullable) {
        if (ap.default !== undefined) v[k] = structuredClone(ap.default);
        else delete v[k];
      }
      if (v[k] !== undefined) applySchemaDefaults(ap as JSONSchemaProps, v[k]);
    }
  }
}
