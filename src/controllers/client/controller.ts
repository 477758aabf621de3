// The loop every informer-fed controller shares (client-go's
// processNextWorkItem): take the keys that are due, reconcile each on its
// own, forget the ones that succeed, back off the ones that fail. One slow or
// failing object never holds up the rest: a pass stops at its time budget and
// leaves what remains queued for the next.
import { ApiError } from '../../status/status';
import { WorkQueue } from './workqueue';

export interface Reconciler {
  readonly name: string;
  readonly queue: WorkQueue;
  /** Brings one object to its desired state; may return when to look at it again (ms). */
  reconcile(key: string, now: number): Promise<number | void>;
}

export interface QueueRun { processed: number; requeued: number; errors: string[] }

export async function processQueue(r: Reconciler, now: number, deadline: number): Promise<QueueRun> {
  const run: QueueRun = { processed: 0, requeued: 0, errors: [] };
  const keys = r.queue.take(now);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (Date.now() > deadline) {
      for (const k of keys.slice(i)) r.queue.add(k);
      break;
    }
    run.processed++;
    try {
      const again = await r.reconcile(key, now);
      r.queue.forget(key);
      if (typeof again === 'number') r.queue.addAt(key, again);
    } catch (e) {
      r.queue.addRateLimited(key, now);
      run.requeued++;
      // A conflict only means the cache was behind; the retry reads the newer version.
      if (e instanceof ApiError && e.status.code === 409) continue;
      run.errors.push(`${r.name} ${key}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return run;
}

/** Whether a failed call was answered with this Status code (404 gone, 409 conflict or exists). */
export const isStatusCode = (e: unknown, code: number) => e instanceof ApiError && e.status.code === code;

/** "namespace/name" of a namespaced object, "name" of a cluster-scoped one. */
export const keyOf = (namespace: string | undefined, name: string) => (namespace ? `${namespace}/${name}` : name);

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
