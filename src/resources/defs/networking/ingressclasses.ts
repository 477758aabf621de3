import type { KObject, ResourceDefinition } from '../../types';
import { Errors, dns1123Subdomain } from '../../validation';
import { AGE_COLUMN, col } from '../shared';

// pkg/registry/networking/ingressclass, networking/v1 SetDefaults_IngressClass,
// ValidateIngressClass(Update) and printIngressClass.

function validateController(e: Errors, c: unknown) {
  const field = 'spec.controller';
  if (c === undefined || c === null || c === '') { e.required(field); return; }
  const v = String(c);
  if (v.length > 250) e.tooLong(field, 250);
  const slash = v.indexOf('/');
  if (slash <= 0 || slash === v.length - 1) { e.invalid(field, v, 'must be a domain-prefixed path (such as "acme.io/foo")'); return; }
  e.check(field, v.slice(0, slash), dns1123Subdomain);
}

function parameters(o: KObject): string {
  const p = o.spec?.parameters;
  if (!p) return '<none>';
  return `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}`;
}

export const ingressclasses: ResourceDefinition = {
  group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass', resource: 'ingressclasses', singular: 'ingressclass',
  namespaced: false, hasGeneration: true,
  validate(obj) {
    const e = new Errors();
    validateController(e, obj.spec?.controller);
    const p = obj.spec?.parameters;
    if (p) {
      if (!p.kind) e.required('spec.parameters.kind');
      if (!p.name) e.required('spec.parameters.name');
      if (p.scope !== 'Cluster' && p.scope !== 'Namespace') e.notSupported('spec.parameters.scope', p.scope ?? '', ['Cluster', 'Namespace']);
      else if (p.scope === 'Namespace' && !p.namespace) e.required('spec.parameters.namespace', '`parameters.scope` is set to \'Namespace\'');
      else if (p.scope === 'Cluster' && p.namespace) e.forbidden('spec.parameters.namespace', '`parameters.scope` is set to \'Cluster\'');
    }
    return e.list;
  },
  validateUpdate(n, o) {
    const e = new Errors();
    e.immutable(n, o, ['spec', 'controller']);
    return e.list;
  },
  columns: [
    col('Controller', 'string', 'Controller that is responsible for handling this class', (o) => o.spec?.controller ?? ''),
    col('Parameters', 'string', 'A reference to a resource with additional parameters', parameters),
    AGE_COLUMN,
  ],
};
