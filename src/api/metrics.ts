// GET /metrics: the Prometheus text format, gathered at scrape time from
// where each number lives: request and store-call counts from the Metrics
// Durable Object (every isolate's, this one's sent first), objects and
// watchers from each store shard, tunnels from each node's Tunnel.
import type { Hono } from 'hono';
import type { ApiEnv } from './types';
import { flushAll, metricsStub } from '../metrics/recorder';
import { MetricSet, type MetricData } from '../metrics/set';
import { shard, SHARDS, storeFor } from '../store/client';
import { proxyEnv, tunnelFor } from '../proxy/env';
import { lookup, storagePrefix } from '../resources/registry';

/** The content type Prometheus' text format is served with. */
export const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

export function metricsRoutes(app: Hono<ApiEnv>) {
  app.get('/metrics', async (c) => {
    await flushAll(c.env);
    const parts = await Promise.all([
      metricsStub(c.env)?.collect() ?? Promise.resolve({} as MetricData),
      ...SHARDS.map((s) => shard(c.env, s).metrics(s)),
      tunnels(c.env),
    ]);
    const all = new MetricSet();
    for (const p of parts) all.merge(p as MetricData);
    return c.body(all.expose(), 200, { 'Content-Type': PROMETHEUS_TEXT });
  });
}

/** Connected node tunnels: each registered Node's Tunnel is asked. */
async function tunnels(env: ApiEnv['Bindings']): Promise<MetricData> {
  const nodes = lookup('', 'v1', 'nodes')!;
  const list = await storeFor(env, nodes).list({ prefix: storagePrefix(nodes) });
  const names = list.ok ? list.value.items.map((o) => (JSON.parse(o) as { metadata: { name: string } }).metadata.name) : [];
  const routes = await Promise.all(names.map((n) => tunnelFor(proxyEnv(env), n).route().catch(() => ({ connected: false }))));
  const m = new MetricSet();
  m.set('edgekube_tunnel_connections', {}, routes.filter((r) => r.connected).length);
  return m.data;
}
