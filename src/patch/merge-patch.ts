// RFC 7386 JSON Merge Patch: objects merge, null deletes, anything else replaces.
import type { JSONValue } from '../resources/types';

const isObject = (v: unknown): v is Record<string, JSONValue> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function applyMergePatch(target: JSONValue, patch: JSONValue): JSONValue {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, JSONValue> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k] ?? null, v);
  }
  return out;
}
