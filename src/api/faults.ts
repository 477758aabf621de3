// Routes that break things on purpose, for the fault-injection tests; they
// exist only in a bundle built with __EDGEKUBE_TEST__ (src/testing/faults.ts).
import type { Hono } from 'hono';
import type { ApiEnv } from './types';
import { shard, SHARDS } from '../store/client';
import { controllersStub } from '../controllers/notify';
import { TEST_BUILD } from '../testing/faults';
import { notFoundPath } from '../status/status';

/** The call to an aborted object fails by design: its failure is the expected outcome. */
async function abort(call: () => Promise<void> | undefined): Promise<string> {
  try {
    await call();
    return 'still running';
  } catch (e) {
    return String((e as Error).message ?? e);
  }
}

export function faultRoutes(app: Hono<ApiEnv>) {
  if (!TEST_BUILD) return;
  app.post('/debug/edgekube/faults/shards/:shard/abort', async (c) => {
    const name = c.req.param('shard');
    if (!(SHARDS as readonly string[]).includes(name)) throw notFoundPath();
    return c.json({ aborted: name, error: await abort(() => shard(c.env, name).abortForTest()) });
  });
  app.post('/debug/edgekube/faults/controllers/abort', async (c) => {
    return c.json({ aborted: 'controllers', error: await abort(() => controllersStub(c.env)?.abortForTest()) });
  });
}
