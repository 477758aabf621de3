// Addressing store shards. Every kind maps to a shard key; today all kinds
// share the "cluster" shard, and a kind (events, leases) can move to its own
// Durable Object by changing shardOf alone: resourceVersions are only ever
// compared within one kind, so per-shard counters stay correct.
import type { Store } from './store';
import type { ResourceDefinition } from '../resources/types';
import type { CommitRequest } from './types';
import { record, type MetricsEnv } from '../metrics/recorder';
import { isReset } from '../status/status';

export interface Env extends MetricsEnv {
  STORE: DurableObjectNamespace<Store>;
  EDGEKUBE_HISTORY_SECONDS?: string;
  EDGEKUBE_HISTORY_MIN_EVENTS?: string;
  EDGEKUBE_HISTORY_MAX_EVENTS?: string;
  EDGEKUBE_BOOKMARK_SECONDS?: string;
}

export const SHARDS = ['cluster'] as const;

export function shardOf(_def: Pick<ResourceDefinition, 'group' | 'resource'>): string {
  return 'cluster';
}

type GroupResource = Pick<ResourceDefinition, 'group' | 'resource'>;

export function shard(env: Env, name: string, gr?: GroupResource): DurableObjectStub<Store> {
  return timed(env, env.STORE.get(env.STORE.idFromName(name)), name, gr);
}

export const storeFor = (env: Env, def: GroupResource) => shard(env, shardOf(def), def);

/** Reads a reset shard can answer again: retried (never writes, whose first try may have landed). */
const IDEMPOTENT = new Set(['get', 'list', 'keysInNamespace', 'currentResourceVersion', 'backupPage']);
const RETRIES = 2;

async function retried<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (!isReset(e) || attempt >= RETRIES) throw e;
      // a reset object takes a moment to come back
      await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
    }
  }
}

/** Store calls timed from the Worker (inside a Durable Object the clock stands still while it computes), as kube times its etcd calls. */
const TIMED = new Set(['get', 'list', 'commit', 'keysInNamespace', 'currentResourceVersion', 'compact']);
const COMMIT_OPERATIONS = { ADDED: 'create', MODIFIED: 'update', DELETED: 'delete' } as const;

function timed(env: Env, stub: DurableObjectStub<Store>, shardName: string, gr: GroupResource | undefined): DurableObjectStub<Store> {
  return new Proxy(stub, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (typeof prop !== 'string' || typeof value !== 'function') return value;
      // always called as a method of the stub itself (fetch needs it as `this`), never through .apply or
      // .bind: on an RPC method those would be remote calls of methods so named
      const direct = (...args: unknown[]) => (target as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[prop](...args);
      // writes and watch upgrades go straight through: only reads are retried
      const method = IDEMPOTENT.has(prop) ? (...args: unknown[]) => retried(() => direct(...args)) : direct;
      if (!TIMED.has(prop)) return method;
      return (...args: unknown[]) => {
        const started = Date.now();
        const operation = prop === 'commit' ? COMMIT_OPERATIONS[(args[0] as CommitRequest).type] : prop;
        const call = method(...args);
        return Promise.resolve(call).finally(() => record(env, (m) => {
          const seconds = (Date.now() - started) / 1000;
          const labels = { operation, group: gr?.group ?? '', resource: gr?.resource ?? '' };
          m.observe('etcd_request_duration_seconds', labels, seconds);
          m.add('etcd_requests_total', labels);
          m.observe('edgekube_store_request_duration_seconds', { shard: shardName, operation }, seconds);
        }));
      };
    },
  });
}
