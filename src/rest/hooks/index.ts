// Per-kind behaviour that needs the store, which kube-apiserver keeps in a
// kind's own REST storage rather than its strategy: namespace lifecycle and
// the service IP allocator, the default StorageClass. Everything else about a kind is in its definition.
import type { KObject, ResourceDefinition } from '../../resources/types';
import type { RestContext } from '../context';
import { namespaceHooks } from './namespaces';
import { serviceHooks } from './services';
import { claimHooks } from './persistentvolumeclaims';

export interface ResourceHooks {
  /** Mutating admission on create that reads other objects (a default StorageClass). */
  mutate?(ctx: RestContext, obj: KObject): Promise<void>;
  /** Claims what the object needs (a cluster IP) before it is stored; returns how to give it back. */
  allocate?(ctx: RestContext, obj: KObject, dryRun: boolean): Promise<(() => Promise<void>) | undefined>;
  /** Gives back what `allocate` claimed, once the object is gone. */
  release?(ctx: RestContext, obj: KObject): Promise<void>;
  /** Refuses a delete outright (403). */
  beforeDelete?(name: string): void;
  /** Replaces the generic deletion mark; returns the object unchanged when already marked. */
  terminate?(obj: KObject): KObject;
  afterTerminate?(ctx: RestContext, obj: KObject): void;
  /** Something besides metadata.finalizers that keeps a deleted object in the store. */
  holds?(obj: KObject): boolean;
}

const HOOKS: Record<string, ResourceHooks> = {
  '/namespaces': namespaceHooks,
  '/services': serviceHooks,
  '/persistentvolumeclaims': claimHooks,
};

export const hooksFor = (def: ResourceDefinition): ResourceHooks => HOOKS[`${def.group}/${def.resource}`] ?? {};

export { admitNamespace, namespaceTerminated } from './namespaces';
