// RFC 6902 JSON Patch, with kube's copy-growth cap (JSONPatchMaxCopyBytes).
import type { JSONValue } from '../resources/types';
import { deepEqual } from '../resources/validation';

export class PatchError extends Error {}

const MAX_COPY_BYTES = 3 * 1024 * 1024;

function parsePointer(path: unknown): string[] {
  if (typeof path !== 'string') throw new PatchError('path must be a string');
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer "${path}"`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, JSONValue> | JSONValue[];

function parentOf(doc: JSONValue, tokens: string[], path: string): { parent: Container; key: string } {
  let cur: JSONValue = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[index(cur, t, path, false)];
    else if (cur !== null && typeof cur === 'object' && t in cur) cur = cur[t];
    else throw new PatchError(`doc is missing path: "${path}": missing value`);
  }
  if (cur === null || typeof cur !== 'object') throw new PatchError(`doc is missing path: "${path}": missing value`);
  return { parent: cur, key: tokens[tokens.length - 1] };
}

function index(arr: JSONValue[], t: string, path: string, forAdd: boolean): number {
  if (forAdd && t === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(t)) throw new PatchError(`invalid array index "${t}" in "${path}"`);
  const i = Number(t);
  if (i > arr.length || (!forAdd && i >= arr.length)) throw new PatchError(`Unable to access invalid index: ${i}: invalid index referenced`);
  return i;
}

function get(doc: JSONValue, path: string): JSONValue {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return doc;
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) return parent[index(parent, key, path, false)];
  if (!(key in parent)) throw new PatchError(`doc is missing path: "${path}": missing value`);
  return parent[key];
}

function remove(doc: JSONValue, path: string): JSONValue {
  const tokens = parsePointer(path);
  if (tokens.length === 0) throw new PatchError('cannot remove the whole document');
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) return parent.splice(index(parent, key, path, false), 1)[0];
  if (!(key in parent)) throw new PatchError(`Unable to remove nonexistent key: ${key}: missing value`);
  const v = parent[key];
  delete parent[key];
  return v;
}

function add(doc: JSONValue, path: string, value: JSONValue): JSONValue {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(index(parent, key, path, true), 0, value);
  else parent[key] = value;
  return doc;
}

export function applyJsonPatch(doc: JSONValue, patch: unknown): JSONValue {
  if (!Array.isArray(patch)) throw new PatchError('json patch must be an array of operations');
  let out = structuredClone(doc);
  let copied = 0;
  for (const op of patch) {
    if (op === null || typeof op !== 'object') throw new PatchError('each json patch operation must be an object');
    const { op: kind, path, from, value } = op as { op?: string; path?: string; from?: string; value?: JSONValue };
    switch (kind) {
      case 'add': if (!('value' in op)) throw new PatchError('add operation does not apply: doc is missing value'); out = add(out, path!, structuredClone(value!)); break;
      case 'remove': remove(out, path!); break;
      case 'replace': {
        if (!('value' in op)) throw new PatchError('replace operation does not apply: doc is missing value');
        const tokens = parsePointer(path);
        if (tokens.length === 0) { out = structuredClone(value!); break; }
        get(out, path!);
        remove(out, path!);
        out = add(out, path!, structuredClone(value!));
        break;
      }
      case 'move': { const v = remove(out, from!); out = add(out, path!, v); break; }
      case 'copy': {
        const v = structuredClone(get(out, from!));
        copied += JSON.stringify(v).length;
        if (copied > MAX_COPY_BYTES) throw new PatchError(`Unable to copy, would exceed the max allowed accumulated copy size of ${MAX_COPY_BYTES} bytes`);
        out = add(out, path!, v);
        break;
      }
      case 'test': {
        let actual: JSONValue | undefined;
        try { actual = get(out, path!); } catch { actual = undefined; }
        if (!deepEqual(actual, value)) throw new PatchError(`testing value ${path} failed: test failed`);
        break;
      }
      default: throw new PatchError(`Unexpected kind: ${String(kind)}`);
    }
  }
  return out;
}
