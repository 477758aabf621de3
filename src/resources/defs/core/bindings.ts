import type { ResourceDefinition } from '../../types';

// pkg/registry/core/pod/storage LegacyBindingREST: POST /api/v1/namespaces/{ns}/bindings
// binds the pod its body names, exactly as pods/{name}/binding does.
export const bindings: ResourceDefinition = {
  group: '', version: 'v1', kind: 'Binding', resource: 'bindings', singular: 'binding',
  namespaced: true, verbs: ['create'], hasGeneration: false, virtual: true,
};
