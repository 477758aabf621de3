// What a controller may do to the cluster: the verbs of a client, and nothing
// else. Controllers never reach the store; this client goes through the rest
// layer like any request (validation, admission of the kind, managedFields,
// resourceVersions, watch events, controller notification), so what a
// controller writes is exactly what a client-go controller's write would be.
import type { KObject, ResourceDefinition } from '../../resources/types';
import type { Operation } from '../../request/info';
import { SERVER_WRITE, type DeleteOptions } from '../../request/options';
import type { RestContext } from '../../rest/context';
import { createObject, patchObject, updateObject, type PatchType } from '../../rest/write';
import { deleteObject } from '../../rest/delete';
import { listAll, readObject, shardChanges } from '../../rest/read';
import { recordEvent } from '../../rest/events';
import type { ChangeSource } from './informer';

export interface ControllerClient extends ChangeSource {
  /** A live read (the cache may lag): undefined when absent. */
  get(def: ResourceDefinition, namespace: string | undefined, name: string): Promise<KObject | undefined>;
  /** A live list of a kind (for kinds no informer follows: custom resources). */
  list(def: ResourceDefinition, namespace?: string): Promise<KObject[]>;
  create(def: ResourceDefinition, obj: KObject): Promise<KObject>;
  /** PUT with the object's resourceVersion: a stale cache is a 409, and the controller retries. */
  update(def: ResourceDefinition, obj: KObject): Promise<KObject>;
  updateStatus(def: ResourceDefinition, obj: KObject): Promise<KObject>;
  patch(def: ResourceDefinition, namespace: string | undefined, name: string, type: Exclude<PatchType, 'apply'>, patch: unknown): Promise<KObject>;
  delete(def: ResourceDefinition, namespace: string | undefined, name: string, opts?: Partial<Omit<DeleteOptions, 'dryRun'>>): Promise<void>;
  /** A core/v1 Event about an object, reported by this client's component. */
  event(involved: KObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

const op = (def: ResourceDefinition, verb: Operation['verb'], namespace: string | undefined, name?: string, subresource?: string): Operation =>
  ({ verb, def, namespace: def.namespaced ? namespace : undefined, name, subresource, legacyWatch: false });

/** The client of one controller; `component` is its field manager and event source. */
export function restClient(ctx: RestContext, component: string): ControllerClient {
  const opts = { ...SERVER_WRITE, fieldManager: component };
  return {
    changes: (shard, since) => shardChanges(ctx, shard, since),
    async get(def, namespace, name) {
      return (await readObject(ctx, op(def, 'get', namespace), name))?.obj;
    },
    list: (def, namespace) => listAll(ctx, def, { namespace: def.namespaced ? namespace : undefined }),
    async create(def, obj) {
      return JSON.parse(await createObject(ctx, op(def, 'create', obj.metadata?.namespace), structuredClone(obj), opts));
    },
    async update(def, obj) {
      return JSON.parse((await updateObject(ctx, op(def, 'update', obj.metadata?.namespace, obj.metadata.name), structuredClone(obj), opts)).object);
    },
    async updateStatus(def, obj) {
      return JSON.parse((await updateObject(ctx, op(def, 'update', obj.metadata?.namespace, obj.metadata.name, 'status'), structuredClone(obj), opts)).object);
    },
    async patch(def, namespace, name, type, patch) {
      return JSON.parse(await patchObject(ctx, op(def, 'patch', namespace, name), type, patch, opts));
    },
    async delete(def, namespace, name, o = {}) {
      await deleteObject(ctx, def, def.namespaced ? namespace : undefined, name, { ...o, dryRun: false });
    },
    event: (involved, type, reason, message) => recordEvent(ctx, involved, type, reason, message, component),
  };
}
