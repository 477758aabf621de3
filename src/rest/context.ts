// What an operation needs from the request beyond its operation: the store
// shards and a way to finish work after the response (namespace cleanup).
import type { Env } from '../store/client';
import type { UserInfo } from '../authn/user';
import type { KObject, ResourceDefinition } from '../resources/types';

export interface RestContext {
  env: Env;
  waitUntil(p: Promise<unknown>): void;
  /** Adds a `Warning` response header (kubectl prints them as "Warning: ..."). */
  warn(warning: string): void;
  /** Adds an annotation to the request's audit event (admission policies' findings). */
  annotate?(key: string, value: string): void;
  /** The client's User-Agent: the default field manager. */
  userAgent?: string;
  /** Who asks; undefined for the server's own work (bootstrap, controllers). */
  user?: UserInfo;
  /**
   * Validating admission beyond a kind's own rules (RBAC escalation
   * prevention), run on the final object just before it is stored; throws
   * to refuse.
   */
  admit?(request: AdmissionRequest): Promise<void>;
  /**
   * Told of every committed write (`removed`: the object left the store), so
   * whoever serves the request can wake what follows it (the controllers)
   * without the rest layer knowing who that is.
   */
  committed?(def: ResourceDefinition, object: KObject | undefined, removed: boolean): void;
}

export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE';
  def: ResourceDefinition;
  namespace?: string;
  name: string;
  subresource?: string;
  object: KObject;
  oldObject?: KObject;
}
