// /version and the health endpoints.
import type { Hono } from 'hono';
import type { ApiEnv } from './types';
import { shard, SHARDS } from '../store/client';
import { ensureBootstrapped } from '../bootstrap';
import { restContext } from './resources';
import { controllersStub } from '../controllers/notify';
import { notFoundPath } from '../status/status';

export const VERSION = {
  major: '1', minor: '35', emulationMajor: '1', emulationMinor: '35', minCompatibilityMajor: '1', minCompatibilityMinor: '34',
  gitVersion: 'v1.35.0-edgekube.0', gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean',
  buildDate: '2026-11-27T00:00:00Z', goVersion: 'workerd', compiler: 'esbuild', platform: 'cloudflare/workers',
};

export function systemRoutes(app: Hono<ApiEnv>) {
  app.get('/version', (c) => c.json(VERSION));
  // livez answers without touching the store: it is also the benchmark's no-op baseline.
  app.get('/livez', (c) => c.text('ok'));
  app.get('/healthz', (c) => c.text('ok'));
  // What the controllers have done since their Durable Object started (like
  // kube's /debug endpoints: not an API, for operators and the benchmarks).
  app.get('/debug/controllers', async (c) => {
    const stub = controllersStub(c.env);
    if (!stub) return c.json(notFoundPath().status, 404);
    return c.json(await stub.stats());
  });
  app.get('/readyz', async (c) => {
    await ensureBootstrapped(restContext(c));
    await Promise.all(SHARDS.map((s) => shard(c.env, s).currentResourceVersion()));
    return c.text('ok');
  });
}
