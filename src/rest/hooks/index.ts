// Per-kind behaviour that needs the store, which kube-apiserver keeps in a
// kind's own REST storage rather than its strategy: namespace lifecycle and
// the service IP allocator, the default StorageClass. Everything else about a kind is in its definition.
import type { ResourceDefinition } from '../../resources/types';
import { namespaceHooks } from './namespaces';
import { serviceHooks } from './services';
import { claimHooks } from './persistentvolumeclaims';
import type { ResourceHooks } from './types';
import { crdHooks } from './customresourcedefinitions';

export type { ResourceHooks } from './types';

const HOOKS: Record<string, ResourceHooks> = {
  '/namespaces': namespaceHooks,
  '/services': serviceHooks,
  '/persistentvolumeclaims': claimHooks,
  'apiextensions.k8s.io/customresourcedefinitions': crdHooks,
};

export const hooksFor = (def: ResourceDefinition): ResourceHooks => HOOKS[`${def.group}/${def.resource}`] ?? {};

export { admitNamespace, namespaceTerminated } from './namespaces';
