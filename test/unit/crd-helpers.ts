// A CRD with most of what a CRD can say, for the CRD and admission policy tests.
import type { J } from './helpers';

export const GROUP = 'stable.example.com';

export function widgetCRD(plural = 'widgets', kind = 'Widget', extra: J = {}): J {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.${GROUP}` },
    spec: {
      group: GROUP, scope: 'Namespaced',
      names: { plural, singular: plural.slice(0, -1), kind, shortNames: [`${plural.slice(0, 2)}x`], categories: ['all'] },
      versions: [{
        name: 'v1', served: true, storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object', required: ['size'],
                properties: {
                  size: { type: 'string', pattern: '^[0-9]+(Mi|Gi)$' },
                  replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
                  color: { type: 'string', enum: ['red', 'green'], default: 'red' },
                  tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set', maxItems: 3 },
                  selector: { type: 'string' },
                  extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
              status: { type: 'object', properties: { replicas: { type: 'integer' }, phase: { type: 'string' } } },
            },
          },
        },
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' } },
        additionalPrinterColumns: [
          { name: 'Size', type: 'string', jsonPath: '.spec.size' },
          { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
          { name: 'Phase', type: 'string', jsonPath: '.status.phase', priority: 1 },
        ],
        selectableFields: [{ jsonPath: '.spec.color' }],
      }],
      ...extra,
    },
  };
}

