// The Metrics Durable Object: the cluster's counters, added up from every
// isolate's batches, and each isolate's latest gauges (requests in flight),
// summed while the isolate reports. Counters live in memory and start again
// from zero when the object does, as a restarted kube-apiserver's do.
import { DurableObject } from 'cloudflare:workers';
import { MetricSet, type MetricData } from './set';

/** An isolate that has not reported for this long is gone, and its gauges with it. */
const ISOLATE_TTL_MS = 10 * 60_000;

export class Metrics extends DurableObject {
  private readonly totals = new MetricSet();
  private readonly isolates = new Map<string, { at: number; gauges: MetricData }>();

  async record(isolate: string, counts: MetricData, gauges: MetricData): Promise<void> {
    this.totals.merge(counts);
    this.isolates.set(isolate, { at: Date.now(), gauges });
  }

  async collect(): Promise<MetricData> {
    const out = new MetricSet(structuredClone(this.totals.data));
    const now = Date.now();
    for (const [id, { at, gauges }] of this.isolates) {
      if (now - at > ISOLATE_TTL_MS) this.isolates.delete(id);
      else out.merge(gauges);
    }
    out.set('edgekube_metrics_isolates', {}, this.isolates.size);
    return out.data;
  }
}
