// The bindings `cloudflare:workers` env carries in tests: the Worker's own Env.
import type { Env as WorkerEnv } from '../../src/store/client';
import type { ControllerEnv } from '../../src/controllers/env';
import type { ControllersBinding } from '../../src/controllers/notify';

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv, ControllerEnv, ControllersBinding {}
  }
}
