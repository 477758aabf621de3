// What one Worker isolate (or Durable Object) measures, on its way to the
// Metrics Durable Object that adds every isolate's counts together: requests
// are served by many isolates at once, so a count kept in one of them is not
// the cluster's. Counts are sent in batches (one call in flight per isolate,
// the next batch gathering meanwhile); gauges of what is in flight go along
// as this isolate's current share.
import { MetricSet, type Labels } from './set';
import type { Metrics } from './aggregator';

export interface MetricsEnv { METRICS?: DurableObjectNamespace<Metrics> }

let pending = new MetricSet();
const current = new MetricSet();
let flushing: Promise<void> | undefined;
let currentChanged = false;
// random values cannot be made at a Worker's global scope: the id is made on first use
let isolate: string | undefined;

export const metricsStub = (env: MetricsEnv) => env.METRICS?.get(env.METRICS.idFromName('cluster'));

/** Batches go at least this often from an isolate that keeps counting (a Durable Object has no request end to send them at). */
const MAX_BATCH_AGE_MS = 5000;
let lastFlush = 0;

/** Counts something that happened (a counter or a histogram observation). */
export function record(env: MetricsEnv, fn: (m: MetricSet) => void) {
  fn(pending);
  if (Date.now() - lastFlush > MAX_BATCH_AGE_MS) void flush(env);
}

/** Moves a gauge of this isolate's current state (requests in flight) by `delta`. */
export function track(name: string, labels: Labels, delta: number) {
  current.add(name, labels, delta);
  currentChanged = true;
}

/**
 * Sends what was counted; the promise is the batch in flight, for a request's
 * waitUntil. Failures keep the counts for the next batch: metrics never fail
 * the request that made them.
 */
export function flush(env: MetricsEnv): Promise<void> {
  flushing ??= (async () => {
    lastFlush = Date.now();
    const stub = metricsStub(env);
    isolate ??= crypto.randomUUID();
    try {
      while (stub && (!pending.empty || currentChanged)) {
        const batch = pending;
        pending = new MetricSet();
        currentChanged = false;
        try {
          await stub.record(isolate, batch.data, current.data);
        } catch (e) {
          pending = batch.merge(pending.data);
          console.error('metrics: could not send counts:', (e as Error).message);
          return;
        }
      }
    } finally {
      flushing = undefined;
    }
  })();
  return flushing;
}
