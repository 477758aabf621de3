import type { KObject, ResourceDefinition } from '../../types';
import { statusSubresource } from '../shared';
import { validateCRD, validateCRDUpdate } from '../../../apiextensions/crd-validation';
import { compileSchema } from '../../../apiextensions/cel/compile';

const storageVersion = (o: KObject): string | undefined => {
  const versions = o.spec?.versions;
  return Array.isArray(versions) ? versions.find((v: KObject) => v?.storage === true)?.name : undefined;
};

/**
 * apiextensions-apiserver's CRD strategy: a new CRD starts with no status but
 * the storage version it writes in; an update that moves the storage version
 * adds it to status.storedVersions. Names, conditions and cleanup are the
 * CRD controllers' (src/controllers/customresourcedefinitions.ts).
 */
export const customresourcedefinitions: ResourceDefinition = {
  group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', resource: 'customresourcedefinitions', singular: 'customresourcedefinition',
  namespaced: false, shortNames: ['crd', 'crds'], categories: ['api-extensions'], hasGeneration: true, statusSubresource: true,
  subresources: [statusSubresource('CustomResourceDefinition')],
  // JSONSchemaProps has Go JSON of its own (JSONSchemaPropsOrBool, JSON values) that the descriptor codec cannot reproduce
  protobuf: false,
  defaults(obj) {
    const spec = obj.spec;
    if (!spec || typeof spec !== 'object') return;
    spec.conversion ??= { strategy: 'None' };
    const names = spec.names;
    if (names && typeof names === 'object' && typeof names.kind === 'string') {
      names.singular ||= names.kind.toLowerCase();
      names.listKind ||= `${names.kind}List`;
    }
  },
  prepareForCreate(obj) {
    const v = storageVersion(obj);
    obj.status = { acceptedNames: { plural: '', kind: '' }, conditions: [], storedVersions: v ? [v] : [] };
  },
  prepareForUpdate(next, old) {
    const v = storageVersion(next);
    const stored: string[] = [...(old.status?.storedVersions ?? [])];
    if (v && !stored.includes(v)) stored.push(v);
    next.status = { ...(old.status ?? {}), storedVersions: stored };
  },
  validate: (obj) => validateCRD(obj, (schema, path) => compileSchema(schema, path).errors),
  validateUpdate: validateCRDUpdate,
};
