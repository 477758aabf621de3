// What a kind's hooks may do (see index.ts for why they exist).
import type { KObject } from '../../resources/types';
import type { RestContext } from '../context';

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
