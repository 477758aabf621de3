import type { KObject, ResourceDefinition } from '../../types';
import { Errors, nonNegative } from '../../validation';
import { AGE_COLUMN, col } from '../shared';

// pkg/registry/apps/controllerrevision, ValidateControllerRevision(Update)
// and printControllerRevision.

/** The controlling owner as "kind.group/name" in lower case ("statefulset.apps/web"), or "<none>". */
function controller(o: KObject): string {
  const ref = (o.metadata?.ownerReferences ?? []).find((r: KObject) => r.controller === true);
  if (!ref) return '<none>';
  const apiVersion = String(ref.apiVersion ?? '');
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const kind = group ? `${ref.kind}.${group}` : String(ref.kind ?? '');
  return kind ? `${kind.toLowerCase()}/${ref.name}` : ref.name;
}

export const controllerrevisions: ResourceDefinition = {
  group: 'apps', version: 'v1', kind: 'ControllerRevision', resource: 'controllerrevisions', singular: 'controllerrevision',
  namespaced: true, hasGeneration: false,
  validate(obj) {
    const e = new Errors();
    if (obj.data === undefined || obj.data === null) e.required('data', 'data is mandatory');
    nonNegative(e, obj.revision, 'revision');
    return e.list;
  },
  validateUpdate(n, o) {
    const e = new Errors();
    e.immutable(n, o, ['data']);
    return e.list;
  },
  columns: [
    col('Controller', 'string', 'Controller of the object', controller),
    col('Revision', 'string', 'Revision indicates the revision of the state represented by Data.', (o) => o.revision ?? 0),
    AGE_COLUMN,
  ],
};
