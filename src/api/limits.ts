// Abuse limits in front of the handlers: the size of a request's headers, and
// how many requests one user may have in flight in this isolate (what kube's
// max-in-flight and API Priority and Fairness answer with 429 and
// Retry-After). Watches are long-running and do not count, as in kube.
import type { Env } from '../store/client';
import { badRequest, tooManyRequests } from '../status/status';

/** Well under the platform's 128 KB of request headers, so the answer is ours and a Status. */
export const MAX_HEADER_BYTES = 64 * 1024;

export function checkHeaderSize(headers: Headers) {
  let size = 0;
  headers.forEach((v, k) => { size += k.length + v.length + 4; });
  if (size > MAX_HEADER_BYTES) throw badRequest(`request headers are ${size} bytes, more than the ${MAX_HEADER_BYTES} accepted`);
}

const inFlight = new Map<string, number>();

function maxInFlight(env: Env): number {
  const n = Number((env as { EDGEKUBE_MAX_REQUESTS_IN_FLIGHT?: string }).EDGEKUBE_MAX_REQUESTS_IN_FLIGHT);
  return Number.isInteger(n) && n > 0 ? n : 200;
}

/** Takes a slot for `user`, or throws 429; the returned function gives it back. */
export function acquire(env: Env, user: string): () => void {
  const n = inFlight.get(user) ?? 0;
  if (n >= maxInFlight(env)) throw tooManyRequests();
  inFlight.set(user, n + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (inFlight.get(user) ?? 1) - 1;
    if (left <= 0) inFlight.delete(user);
    else inFlight.set(user, left);
  };
}
