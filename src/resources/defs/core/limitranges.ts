import type { KObject, ResourceDefinition } from '../../types';
import { Errors } from '../../validation';
import { CREATED_AT_COLUMN } from '../shared';

// pkg/registry/core/limitrange and SetDefaults_LimitRangeItem. kube has no
// printer for LimitRange, so tables show the default Name / Created At.

const TYPES = ['Container', 'PersistentVolumeClaim', 'Pod'];

/** For containers: default limit from max, default request from the default limit, then from min. */
function defaultItem(item: KObject) {
  if (item?.type !== 'Container') return;
  const def: KObject = { ...(item.default ?? {}) };
  const req: KObject = { ...(item.defaultRequest ?? {}) };
  for (const [k, v] of Object.entries(item.max ?? {})) def[k] ??= v;
  for (const [k, v] of Object.entries(def)) req[k] ??= v;
  for (const [k, v] of Object.entries(item.min ?? {})) req[k] ??= v;
  if (Object.keys(def).length) item.default = def;
  if (Object.keys(req).length) item.defaultRequest = req;
}

export const limitranges: ResourceDefinition = {
  group: '', version: 'v1', kind: 'LimitRange', resource: 'limitranges', singular: 'limitrange',
  namespaced: true, shortNames: ['limits'], hasGeneration: false,
  allowCreateOnUpdate: true,
  defaults(obj) {
    for (const item of Array.isArray(obj.spec?.limits) ? obj.spec.limits : []) if (item && typeof item === 'object') defaultItem(item);
  },
  validate(obj) {
    const e = new Errors();
    e.array(obj.spec, 'limits', 'spec.limits').forEach((item, i) => {
      const f = `spec.limits[${i}]`;
      if (!item?.type) e.required(`${f}.type`);
      else if (!TYPES.includes(item.type) && !String(item.type).includes('/')) e.notSupported(`${f}.type`, item.type, TYPES);
      if (item?.type === 'Pod' && item.default) e.forbidden(`${f}.default`, 'may not be specified when `type` is \'Pod\'');
      if (item?.type === 'Pod' && item.defaultRequest) e.forbidden(`${f}.defaultRequest`, 'may not be specified when `type` is \'Pod\'');
    });
    return e.list;
  },
  columns: [CREATED_AT_COLUMN],
};
