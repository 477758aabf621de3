import type { ResourceDefinition, KObject } from '../../types';
import { Errors, qualifiedName } from '../../validation';
import { AGE_COLUMN, col, statusSubresource } from '../shared';

// pkg/registry/core/namespace/strategy.go, SetDefaults_Namespace and printNamespace.

const NAME_LABEL = 'kubernetes.io/metadata.name';

/** Namespaces carry their own name as a label so namespaceSelectors can pick them by name. */
function nameLabel(obj: KObject) {
  const name = obj.metadata?.name;
  if (typeof name !== 'string' || name === '') return;
  obj.metadata.labels = { ...(obj.metadata.labels ?? {}), [NAME_LABEL]: name };
}

export const namespaces: ResourceDefinition = {
  group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', singular: 'namespace',
  namespaced: false, shortNames: ['ns'], nameFormat: 'label', hasGeneration: false, statusSubresource: true,
  // kube serves no deletecollection for namespaces: deleting every namespace in one call is too dangerous.
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [
    { name: 'finalize', kind: 'Namespace', verbs: ['update'] },
    statusSubresource('Namespace'),
  ],
  selectableFields: { 'status.phase': (o) => o.status?.phase ?? '' },
  prepareForCreate(obj) {
    obj.status = { phase: 'Active' };
    // The "kubernetes" finalizer is what makes the namespace controller empty the namespace before it goes.
    obj.spec = obj.spec && typeof obj.spec === 'object' ? obj.spec : {};
    const fins: unknown[] = Array.isArray(obj.spec.finalizers) ? obj.spec.finalizers : [];
    if (!fins.includes('kubernetes')) obj.spec.finalizers = [...fins, 'kubernetes'];
    nameLabel(obj);
  },
  prepareForUpdate(n, o) {
    // spec.finalizers change only through the finalize subresource, status only through status.
    n.spec = { ...(n.spec ?? {}), finalizers: o.spec?.finalizers };
    if (n.spec.finalizers === undefined) delete n.spec.finalizers;
  },
  validate(obj) {
    const e = new Errors();
    (e.array(obj.spec, 'finalizers', 'spec.finalizers') as unknown[]).forEach((f, i) => {
      const field = `spec.finalizers[${i}]`;
      if (typeof f !== 'string') { e.typeInvalid(field, f, 'must be a string'); return; }
      const errs = qualifiedName(f);
      if (errs.length) { for (const m of errs) e.invalid(field, f, m); return; }
      if (f !== 'kubernetes' && !f.includes('/')) e.invalid(field, f, 'name is neither a standard finalizer name nor is it fully qualified');
    });
    return e.list;
  },
  columns: [
    col('Status', 'string', 'The status of the namespace', (o) => o.status?.phase ?? ''),
    AGE_COLUMN,
  ],
};
