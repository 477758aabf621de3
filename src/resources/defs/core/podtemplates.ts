import type { ResourceDefinition } from '../../types';
import { Errors } from '../../validation';
import { col, containerImages, containerNames, formatLabels, validatePodSpec } from '../shared';

// pkg/registry/core/podtemplate and printPodTemplate (no Age column in kube's printer).
export const podtemplates: ResourceDefinition = {
  group: '', version: 'v1', kind: 'PodTemplate', resource: 'podtemplates', singular: 'podtemplate',
  namespaced: true, hasGeneration: true,
  validate(obj) {
    const e = new Errors();
    if (!obj.template || typeof obj.template !== 'object') { e.required('template'); return e.list; }
    validatePodSpec(e, obj.template.spec, 'template.spec');
    return e.list;
  },
  columns: [
    col('Containers', 'string', 'Names of each container in the template.', (o) => containerNames(o.template?.spec)),
    col('Images', 'string', 'Images referenced by each container in the template.', (o) => containerImages(o.template?.spec)),
    col('Pod Labels', 'string', 'The labels for the pod template.', (o) => formatLabels(o.template?.metadata?.labels)),
  ],
};
