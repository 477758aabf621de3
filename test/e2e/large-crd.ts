// A CRD of the size and shape operators ship (the Prometheus operator's
// prometheuses.monitoring.coreos.com, cert-manager's): a spec that inlines
// Kubernetes' own PodSpec, containers and volumes with every description,
// hundreds of KB of structural schema. Made from the OpenAPI definitions
// this project generates, the way controller-gen inlines Go types.
import fs from 'node:fs'
import path from 'node:path'
import { ROOT } from './harness'

interface Schema { [k: string]: unknown; $ref?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema; type?: string; required?: string[] }

const defs = (JSON.parse(fs.readFileSync(path.join(ROOT, 'src/schema/generated/definitions.json'), 'utf8')) as { definitions: Record<string, Schema> }).definitions

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString'
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity'

/** A definition inlined as controller-gen writes it: int-or-string and quantities as kube's CRDs spell them, cycles cut off. */
function inline(s: Schema, depth: number, seen: string[]): Schema {
  if (s.$ref) {
    const { $ref, ...rest } = s
    if ($ref === INT_OR_STRING) return { ...rest, 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }
    if ($ref === QUANTITY) return { ...rest, anyOf: [{ type: 'integer' }, { type: 'string' }], pattern: '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$', 'x-kubernetes-int-or-string': true }
    const target = defs[$ref]
    if (!target || seen.includes($ref) || depth > 12 || !target.properties) {
      if (target?.type === 'string') return { ...rest, type: 'string', ...(target.format ? { format: target.format } : {}) }
      return { ...rest, type: 'object', 'x-kubernetes-preserve-unknown-fields': true }
    }
    return { ...inline(target, depth + 1, [...seen, $ref]), ...(rest.description ? { description: rest.description as string } : {}) }
  }
  const out: Schema = {}
  for (const [k, v] of Object.entries(s)) {
    if (k === 'x-kubernetes-group-version-kind' || k === 'x-kubernetes-patch-strategy' || k === 'x-kubernetes-patch-merge-key' || k === 'default') continue
    if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([n, p]) => [n, inline(p, depth + 1, seen)]))
    else if (k === 'items' || k === 'additionalProperties') out[k] = inline(v as Schema, depth + 1, seen)
    else out[k] = v
  }
  if (out.type === 'array' && out['x-kubernetes-list-type'] === 'map') {
    // a list-map key must be required or defaulted in a CRD
    const items = out.items as Schema
    const keys = (out['x-kubernetes-list-map-keys'] as string[] | undefined) ?? []
    if (!keys.every((k) => items.required?.includes(k))) { delete out['x-kubernetes-list-type']; delete out['x-kubernetes-list-map-keys'] }
  }
  if (out.type === 'array' && out['x-kubernetes-list-type'] === 'set' && (out.items as Schema).type === 'object') delete out['x-kubernetes-list-type']
  return out
}

/** The CRD (as JSON) and its approximate size. */
export function largeCRD(): { crd: Record<string, unknown>; bytes: number } {
  const podSpec = inline({ $ref: 'io.k8s.api.core.v1.PodSpec' }, 0, [])
  const container = inline({ $ref: 'io.k8s.api.core.v1.Container' }, 0, [])
  const spec: Schema = {
    type: 'object',
    description: 'PrometheusSpec is a specification of the desired behavior of the Prometheus cluster.',
    properties: {
      replicas: { type: 'integer', format: 'int32', minimum: 0, description: 'Number of replicas of each shard to deploy.' },
      retention: { type: 'string', pattern: '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$', description: 'How long to retain the data.' },
      podTemplate: podSpec,
      containers: { type: 'array', items: container, description: 'Containers allows injecting additional containers.' },
      initContainers: { type: 'array', items: container, description: 'InitContainers allows injecting initContainers.' },
      additionalArgs: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 }, value: { type: 'string' } } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
    },
  }
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
    metadata: { name: 'prometheuses.monitoring.example.com', annotations: { 'controller-gen.kubebuilder.io/version': 'v0.16.0' } },
    spec: {
      group: 'monitoring.example.com', scope: 'Namespaced',
      names: { plural: 'prometheuses', singular: 'prometheus', kind: 'Prometheus', listKind: 'PrometheusList', shortNames: ['prom'], categories: ['prometheus-operator'] },
      versions: [{
        name: 'v1', served: true, storage: true,
        schema: { openAPIV3Schema: { type: 'object', description: 'The Prometheus custom resource definition (CRD) defines a desired Prometheus setup.', properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec, status: { type: 'object', properties: { replicas: { type: 'integer', format: 'int32' }, conditions: { type: 'array', items: { type: 'object', required: ['type', 'status'], properties: { type: { type: 'string' }, status: { type: 'string' }, message: { type: 'string' } } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] } } } }, required: ['spec'] } },
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
        additionalPrinterColumns: [{ name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' }, { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
      }],
    },
  }
  return { crd, bytes: JSON.stringify(crd).length }
}
