// /openapi/v2 against a real `wrangler dev`: Swagger 2.0 that a kept
// validator (@apidevtools/swagger-parser) accepts, agreeing with the v3
// documents operation for operation, custom resources included; its protobuf
// form answered 406, and kubectl working with what it is given.
import fs from 'node:fs'
import path from 'node:path'
import SwaggerParser from '@apidevtools/swagger-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, setupE2E, type E2E } from './harness'

let e: E2E

beforeAll(async () => {
  e = await setupE2E()
})

afterAll(async () => {
  await e?.close()
})

const PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf'
const METHODS = ['get', 'put', 'post', 'delete', 'patch']

describe('/openapi/v2', () => {
  it('is Swagger 2.0 a validator accepts, with every v3 operation and schema', async () => {
    const r = await e.http('GET', '/openapi/v2')
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/json')
    const doc = r.json
    expect(doc.swagger).toBe('2.0')
    await SwaggerParser.validate(structuredClone(doc))
    const index = (await e.http('GET', '/openapi/v3')).json.paths as Record<string, { serverRelativeURL: string }>
    expect(Object.keys(index)).toContain('apis/apps/v1')
    for (const { serverRelativeURL } of Object.values(index)) {
      const v3 = (await e.http('GET', serverRelativeURL)).json
      for (const [p, item] of Object.entries(v3.paths as Record<string, Record<string, { operationId?: string }>>)) {
        for (const m of METHODS) {
          if (item[m]) expect(doc.paths[p]?.[m]?.operationId, `${m} ${p}`).toBe(item[m].operationId)
        }
      }
      for (const name of Object.keys(v3.components.schemas)) expect(doc.definitions[name], name).toBeDefined()
    }
  }, 120_000)

  it('keeps kube\'s shapes: body parameters, response schemas, group-version-kinds, definition references', async () => {
    const doc = (await e.http('GET', '/openapi/v2')).json
    const create = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments'].post
    expect(create.operationId).toBe('createAppsV1NamespacedDeployment')
    expect(create['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', kind: 'Deployment', version: 'v1' })
    expect(create.parameters.find((p: { in: string }) => p.in === 'body')).toMatchObject({ name: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } })
    expect(create.parameters.find((p: { name: string }) => p.name === 'dryRun')).toMatchObject({ in: 'query', type: 'string' })
    expect(create.responses['201'].schema).toEqual({ $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' })
    expect(create.produces).toContain('application/json')
    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch
    expect(patch.consumes).toEqual(expect.arrayContaining(['application/strategic-merge-patch+json', 'application/apply-patch+yaml']))
    const spec = doc.definitions['io.k8s.api.apps.v1.DeploymentSpec']
    expect(spec.properties.template.$ref).toBe('#/definitions/io.k8s.api.core.v1.PodTemplateSpec')
    expect(JSON.stringify(doc)).not.toContain('#/components/')
  })

  it('answers its protobuf form 406, and JSON to a client that also takes it', async () => {
    const pb = await e.http('GET', '/openapi/v2', undefined, { accept: PROTOBUF })
    expect(pb.status).toBe(406)
    expect(pb.json).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406 })
    const both = await e.http('GET', '/openapi/v2', undefined, { accept: `${PROTOBUF}, application/json` })
    expect(both.status).toBe(200)
    expect(both.json.swagger).toBe('2.0')
  })

  it('includes custom resources once their CRD is established', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.v2.example.com' },
      spec: {
        group: 'v2.example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
      },
    }
    expect((await e.http('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status).toBe(201)
    await eventually(async () => Boolean((await e.http('GET', '/openapi/v2')).json.paths['/apis/v2.example.com/v1/namespaces/{namespace}/widgets']), 30_000, 'the CRD in /openapi/v2')
    const doc = (await e.http('GET', '/openapi/v2')).json
    const name = Object.keys(doc.definitions).find((d) => d.endsWith('.Widget'))!
    expect(doc.definitions[name].properties.spec.properties.size.type).toBe('integer')
    await SwaggerParser.validate(structuredClone(doc))
  }, 60_000)

  it('kubectl works with it: explain, and client-side apply of a change', async () => {
    const raw = await e.kubectl(['get', '--raw', '/openapi/v2'])
    expect(raw.code, raw.stderr).toBe(0)
    expect(JSON.parse(raw.stdout).swagger).toBe('2.0')
    const explain = await e.kubectl(['explain', 'deployment.spec.replicas'])
    expect(explain.code, explain.stderr).toBe(0)
    expect(explain.stdout).toContain('replicas')
    const file = path.join(e.tmpDir, 'v2-cm.yaml')
    const manifest = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: v2-applied, namespace: default}\ndata: {k: "${v}"}\n`
    fs.writeFileSync(file, manifest('1'))
    const first = await e.kubectl(['apply', '-f', file])
    expect(first.code, first.stderr).toBe(0)
    fs.writeFileSync(file, manifest('2'))
    const second = await e.kubectl(['apply', '-f', file])
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).toContain('configmap/v2-applied configured')
    expect((await e.http('GET', '/api/v1/namespaces/default/configmaps/v2-applied')).json.data).toEqual({ k: '2' })
  })
})
