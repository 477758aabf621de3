import type { KObject, ResourceDefinition } from '../../types';
import { Errors } from '../../validation';
import { CREATED_AT_COLUMN } from '../shared';

// pkg/registry/core/limitrange and SetDefaults_LimitRangeItem. kube has no
// printer for LimitRange, so tables show the default Name / Created At.

const TYPES = ['Container', 'PersistentVolumeClaim', 'Pod'];

export const limitranges: ResourceDefinition = {
  group: '', version: 'v1', kind: 'LimitRange', resource: 'limitranges', singular: 'limitrange',
  namespaced: true, shortNames: ['limits'], hasGeneration: false,
  allowCreateOnUpdate: true,
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
