// managedFields and server-side apply around the generic write path: every
// write records its manager's fields; an apply merges the applied
// configuration by ownership (src/apply holds the structured-merge logic).
import type { KObject, ResourceDefinition } from '../resources/types';
import { schemaFor } from '../schema';
import { apply, conflictError, managerOrUserAgent, updateManagedFields } from '../apply';
import type { RestContext } from './context';
import { apiVersionOf, rfc3339 } from './objects';

export interface ManagerRequest {
  fieldManager?: string;
  subresource?: string;
  /** The object already carries the managedFields of a server-side apply. */
  applied?: boolean;
}

const schemaOf = (def: ResourceDefinition) => schemaFor(def);

/** managedFields of a create, update or non-apply patch: the writer owns what it set or changed. */
export function trackManagers(ctx: RestContext, def: ResourceDefinition, old: KObject | undefined, next: KObject, req: ManagerRequest): KObject {
  if (req.applied) return next;
  return updateManagedFields({
    schema: schemaOf(def), oldObj: old, newObj: next,
    manager: managerOrUserAgent(req.fieldManager, ctx.userAgent), apiVersion: apiVersionOf(def),
    now: rfc3339(Date.now()), subresource: subresourceOf(req),
  });
}

/** Merges an applied configuration into the live object (undefined: create); a conflict is a 409. */
export function applyConfiguration(def: ResourceDefinition, live: KObject | undefined, applied: KObject, manager: string, force: boolean, subresource?: string): KObject {
  const result = apply({
    schema: schemaOf(def), live, applied, manager, force, apiVersion: apiVersionOf(def), kind: def.kind,
    now: rfc3339(Date.now()), subresource: subresource === 'status' ? 'status' : undefined,
  });
  if ('conflicts' in result) throw conflictError(result.conflicts);
  return result.object;
}

/** Only the status subresource changes what a manager may own; other subresources write the main object. */
const subresourceOf = (req: ManagerRequest) => (req.subresource === 'status' ? 'status' : undefined);
