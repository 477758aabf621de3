// Addressing store shards. Every kind maps to a shard key; today all kinds
// share the "cluster" shard, and a kind (events, leases) can move to its own
// Durable Object by changing shardOf alone: resourceVersions are only ever
// compared within one kind, so per-shard counters stay correct.
import type { Store } from './store';
import type { ResourceDefinition } from '../resources/types';

export interface Env {
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

export function shard(env: Env, name: string): DurableObjectStub<Store> {
  return env.STORE.get(env.STORE.idFromName(name));
}

export const storeFor = (env: Env, def: Pick<ResourceDefinition, 'group' | 'resource'>) => shard(env, shardOf(def));
