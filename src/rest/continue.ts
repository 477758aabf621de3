// Continue tokens for paged lists, shaped like apiserver's storage/continue.go:
// base64url JSON {v, rv, start}. `start` is relative to the list's key prefix,
// and `q` fingerprints the query so a token cannot page through another list.
import { badRequest } from '../status/status';

export interface ContinueToken { rv: number; start: string; q: string }

/** rv of a token that continues at the latest state ("inconsistent continue"). */
export const LATEST = -1;

export function fingerprint(...parts: string[]): string {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0000')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16);
}

export function encodeContinue(t: ContinueToken): string {
  const json = JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start, q: t.q });
  return btoa(String.fromCharCode(...new TextEncoder().encode(json))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeContinue(token: string, q: string): ContinueToken {
  let parsed: { v?: string; rv?: number; start?: string; q?: string };
  try {
    const b64 = token.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw badRequest('continue key is not valid: illegal base64 data or JSON');
  }
  if (parsed.v !== 'meta.k8s.io/v1') throw badRequest('continue key is not valid: server does not recognize this encoded version');
  if (typeof parsed.rv !== 'number' || !Number.isInteger(parsed.rv) || (parsed.rv < 0 && parsed.rv !== LATEST)) throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof parsed.start !== 'string' || parsed.start === '' || parsed.start.split('/').some((s) => s === '..' || s === '.')) throw badRequest('continue key is not valid: encoded start key is not valid');
  if (parsed.q !== q) throw badRequest('continue key is not valid: it was issued for a different list request (resource, namespace or selectors differ)');
  return { rv: parsed.rv, start: parsed.start, q: parsed.q };
}
