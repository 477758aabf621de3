// What an operation needs from the request beyond its operation: the store
// shards and a way to finish work after the response (namespace cleanup).
import type { Env } from '../store/client';

export interface RestContext {
  env: Env;
  waitUntil(p: Promise<unknown>): void;
}
