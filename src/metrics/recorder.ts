// What one Worker isolate (or Durable Object) measures, on its way to the
// Metrics Durable Object that adds every isolate's counts together: requests
// are served by many isolates at once, so a count kept in one of them is not
// the cluster's. Counts are sent in batches, at most one a second per
// isolate; gauges of what is in flight go along as this isolate's current
// share.
import { MetricSet, type Labels } from './set';
import type { Metrics } from './aggregator';

export interface MetricsEnv { METRICS?: DurableObjectNamespace<Metrics> }

let pending = new MetricSet();
const current = new MetricSet();
let flushing: Promise<boolean> | undefined;
let currentChanged = false;
// random values cannot be made at a Worker's global scope: the id is made on first use
let isolate: string | undefined;

export const metricsStub = (env: MetricsEnv) => env.METRICS?.get(env.METRICS.idFromName('cluster'));

/** What an isolate counts within this long goes in one call: one per isolate per second, whatever the request rate. */
const BATCH_MS = 1000;
let scheduled: Promise<void> | undefined;

/** Counts something that happened (a counter or a histogram observation). */
export function record(env: MetricsEnv, fn: (m: MetricSet) => void) {
  fn(pending);
  void flushSoon(env);
}

/** Sends what is counted within the next second, in one batch; the promise is for a request's waitUntil. */
export function flushSoon(env: MetricsEnv): Promise<void> {
  scheduled ??= new Promise((resolve) => setTimeout(resolve, BATCH_MS)).then(async () => {
    scheduled = undefined;
    await flush(env);
  });
  return scheduled;
}

/** Moves a gauge of this isolate's current state (requests in flight) by `delta`. */
export function track(name: string, labels: Labels, delta: number) {
  current.add(name, labels, delta);
  currentChanged = true;
}

/**
 * Sends one batch: what was counted up to now (or joins the batch in flight).
 * Resolves false when the send failed; the counts are kept for the next one:
 * metrics never fail the request that made them.
 */
export function flush(env: MetricsEnv): Promise<boolean> {
  flushing ??= (async () => {
    const stub = metricsStub(env);
    if (!stub || (pending.empty && !currentChanged)) return true;
    isolate ??= crypto.randomUUID();
    const batch = pending;
    pending = new MetricSet();
    currentChanged = false;
    try {
      await stub.record(isolate, batch.data, current.data);
      return true;
    } catch (e) {
      pending = batch.merge(pending.data);
      console.error('metrics: could not send counts:', (e as Error).message);
      return false;
    }
  })().finally(() => { flushing = undefined; });
  return flushing;
}

/** Sends everything counted so far, a batch in flight included (a scrape sends its own isolate's counts first). */
export async function flushAll(env: MetricsEnv): Promise<void> {
  while (await flush(env) && metricsStub(env) && (!pending.empty || currentChanged)) { /* the next batch */ }
}
