// YAML on the wire against a real `wrangler dev`: bodies in application/yaml
// (create, update, apply in YAML proper, sent by curl and by plain HTTP),
// answers in YAML equal to what kubectl prints, errors as YAML Status, and the
// YAML a client may use to hurt a server: alias bombs, duplicate keys, foreign
// tags, oversized bodies.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'yaml'
import { jsonToYaml } from '../../src/request/yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNamespace, describeResponse, setupE2E, type E2E } from './harness'

const run = promisify(execFile)
let e: E2E
let dir: string
const NS = 'yamls'
const CM = `/api/v1/namespaces/${NS}/configmaps`
const YAML = { 'content-type': 'application/yaml' }

beforeAll(async () => {
  e = await setupE2E()
  dir = fs.mkdtempSync(path.join(e.tmpDir, 'yaml-'))
  await createNamespace(e, NS)
})

afterAll(async () => {
  await e?.close()
})

function ok(r: { code: number | null; stdout: string; stderr: string }, what: string) {
  expect(r.code, `${what} failed\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0)
}

const deploymentYaml = `# a comment, anchors and YAML 1.1 scalars
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: &labels
    app: web
    tier: "2"
  annotations:
    description: |
      two lines
      of text
    enabled: "yes"
    long: ${'a long line of words '.repeat(8)}end
    keys: '{"f:metadata":{".":{}},"v:x":1}'
spec:
  replicas: 2
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels: *labels
    spec:
      containers:
      - name: web
        image: registry.local/web:1.0
        args: [--port, "8080", -v]
        ports:
        - containerPort: 8080
          protocol: TCP
        env:
        - {name: A10, value: ten}
        - {name: A2, value: two}
`

describe('YAML bodies', () => {
  it('creates a Deployment from a YAML file sent by curl as application/yaml', async () => {
    const file = path.join(dir, 'deploy.yaml')
    fs.writeFileSync(file, deploymentYaml)
    const { stdout } = await run('curl', ['-sS', '-X', 'POST', '--data-binary', `@${file}`, '-H', 'Content-Type: application/yaml',
      '-H', 'Accept: application/json', '-w', '\n%{http_code}', `${e.url}/apis/apps/v1/namespaces/${NS}/deployments?fieldValidation=Strict`])
    const code = stdout.slice(stdout.lastIndexOf('\n') + 1)
    expect(code, stdout).toBe('201')
    const created = JSON.parse(stdout.slice(0, stdout.lastIndexOf('\n')))
    expect(created.metadata.labels).toEqual({ app: 'web', tier: '2' })
    expect(created.spec.selector.matchLabels).toEqual({ app: 'web', tier: '2' })
    expect(created.metadata.annotations).toMatchObject({ description: 'two lines\nof text\n', enabled: 'yes' })
    expect(created.spec.template.spec.containers[0].args).toEqual(['--port', '8080', '-v'])
    const r = await e.kubectl(['get', 'deployment', 'web', '-n', NS, '-o', 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}'])
    ok(r, 'kubectl get')
    expect(r.stdout).toBe('2 registry.local/web:1.0')
  })

  it('updates with a YAML body, and reads YAML 1.1 as kube does (yes is true, a string field refuses it)', async () => {
    const created = await e.http('POST', CM, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: upd}\ndata: {a: "1"}\n', YAML)
    expect(created.status, describeResponse('POST', CM, created)).toBe(201)
    const rv = created.json.metadata.resourceVersion
    const updated = await e.http('PUT', `${CM}/upd`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: upd\n  resourceVersion: "${rv}"\ndata:\n  a: "2"\n  b: 0777\n`, YAML)
    expect(updated.status, updated.text).toBe(400)
    expect(updated.json.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string')
    const yes = await e.http('PUT', `${CM}/upd`, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: upd, resourceVersion: "${rv}"}\ndata: {a: yes}\n`, YAML)
    expect(yes.status).toBe(400)
    expect(yes.json.message).toContain('cannot unmarshal bool into Go struct field ConfigMap.data of type string')
    const good = await e.http('PUT', `${CM}/upd`, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: upd, resourceVersion: "${rv}"}\ndata: {a: "2", b: "0777"}\n`, YAML)
    expect(good.status, good.text).toBe(200)
    expect(good.json.data).toEqual({ a: '2', b: '0777' })
  })

  it('applies a configuration in YAML proper (apply-patch+yaml), creating then updating', async () => {
    const path1 = `${CM}/applied?fieldManager=yaml-test`
    const first = await e.http('PATCH', path1, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  k: v1\n  other: x\n', { 'content-type': 'application/apply-patch+yaml' })
    expect(first.status, first.text).toBe(201)
    const second = await e.http('PATCH', path1, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  k: v2\n', { 'content-type': 'application/apply-patch+yaml' })
    expect(second.status, second.text).toBe(200)
    expect(second.json.data).toEqual({ k: 'v2' })
    expect(second.json.metadata.managedFields.map((m: { manager: string }) => m.manager)).toEqual(['yaml-test'])
  })

  it('kubectl apply --server-side takes a multi-document YAML file', async () => {
    const file = path.join(dir, 'multi.yaml')
    fs.writeFileSync(file, `apiVersion: v1
kind: ConfigMap
metadata: {name: one, namespace: ${NS}}
data: {x: "1"}
---
# the second document
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: ${NS}}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: ${NS}}
stringData: {password: hunter2}
`)
    const r = await e.kubectl(['apply', '--server-side', '-f', file])
    ok(r, 'apply --server-side')
    expect(r.stdout).toContain('configmap/one serverside-applied')
    expect(r.stdout).toContain('service/svc serverside-applied')
    expect(r.stdout).toContain('secret/s serverside-applied')
    const again = await e.kubectl(['apply', '--server-side', '-f', file])
    ok(again, 'apply --server-side again')
    const svc = await e.http('GET', `/api/v1/namespaces/${NS}/services/svc`)
    expect(svc.json.spec.ports[0]).toMatchObject({ port: 80, targetPort: 8080, protocol: 'TCP' })
  })
})

describe('decode errors', () => {
  it('a field of the wrong JSON type is a 400 naming the Go field, in JSON and in YAML alike', async () => {
    const cases: [string, string, unknown, string][] = [
      [`/api/v1/namespaces/${NS}/pods`, 'Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: true }, spec: { containers: [{ name: 'c', image: 'i' }] } },
        'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.name of type string'],
      [`/apis/apps/v1/namespaces/${NS}/deployments`, 'Deployment', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 'two' } },
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32'],
      [`/api/v1/namespaces/${NS}/services`, 'Service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: { port: 80 } } },
        'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal object into Go struct field ServiceSpec.spec.ports of type []v1.ServicePort'],
    ]
    for (const [p, kind, body, message] of cases) {
      for (const [type, text] of [['application/json', JSON.stringify(body)], ['application/yaml', jsonToYaml(body)]]) {
        const r = await e.http('POST', p, text, { 'content-type': type })
        expect(r.status, `${kind} as ${type}: ${r.text}`).toBe(400)
        expect(r.json).toMatchObject({ kind: 'Status', reason: 'BadRequest', message })
      }
    }
  })
})

describe('YAML answers', () => {
  it('an object in YAML is what kubectl get -o yaml prints', async () => {
    const r = await e.kubectl(['get', 'deployment', 'web', '-n', NS, '-o', 'yaml', '--show-managed-fields'])
    ok(r, 'kubectl get -o yaml')
    const y = await e.http('GET', `/apis/apps/v1/namespaces/${NS}/deployments/web`, undefined, { accept: 'application/yaml' })
    expect(y.status).toBe(200)
    expect(y.headers.get('content-type')).toBe('application/yaml')
    expect(y.text).toBe(r.stdout)
    expect(y.text).toContain('description: |\n')
    expect(y.text).toContain('enabled: "yes"\n')
  })

  it('a list in YAML is the List kind, items included', async () => {
    const y = await e.http('GET', CM, undefined, { accept: 'application/yaml' })
    expect(y.status).toBe(200)
    const list = parse(y.text)
    expect(list.kind).toBe('ConfigMapList')
    expect(list.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(expect.arrayContaining(['upd', 'applied', 'one']))
    const json = await e.http('GET', CM)
    expect(list).toEqual(json.json)
  })

  it('errors are a YAML Status for a YAML client', async () => {
    const y = await e.http('GET', `${CM}/missing`, undefined, { accept: 'application/yaml' })
    expect(y.status).toBe(404)
    expect(y.headers.get('content-type')).toBe('application/yaml')
    expect(parse(y.text)).toMatchObject({ kind: 'Status', code: 404, reason: 'NotFound', message: 'configmaps "missing" not found' })
  })

  it('a watch asked for in YAML streams JSON, as kube does', async () => {
    const w = await e.http('GET', `${CM}?watch=1&timeoutSeconds=1`, undefined, { accept: 'application/yaml' })
    expect(w.status).toBe(200)
    const first = JSON.parse(w.text.split('\n')[0])
    expect(first.type).toBe('ADDED')
  })
})

describe('hostile YAML', () => {
  const count = async () => (await e.http('GET', CM)).json.items.length

  it('answers a Status, stores nothing and stays up', async () => {
    const before = await count()
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for (const [k, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f'], ['h', 'g'], ['i', 'h']]) {
      laughs.push(`${k}: &${k} [${Array(9).fill(`*${prev}`).join(',')}]`)
    }
    const bomb = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\n${laughs.join('\n')}\n`
    const cases: [string, string, string, number, RegExp][] = [
      ['billion laughs', CM, bomb, 400, /excessive aliasing/],
      ['billion laughs applied', `${CM}/bomb?fieldManager=t`, bomb, 400, /excessive aliasing/],
      ['a foreign tag', CM, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: js}\ndata:\n  f: !!js/function "function () { return 1 }"\n', 400, /line 5: unknown tag/],
      ['a local tag', CM, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: js}\ndata: !custom {a: b}\n', 400, /unknown tag/],
      ['YAML that does not parse', CM, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: broken\ndata: a: b: c\n', 400, /the object provided is unrecognized \(must be of type ConfigMap\): yaml: line \d+/],
      ['a mapping as a key', CM, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k}\n? {a: b}\n: c\n', 400, /unsupported map key/],
      ['an apply configuration that does not parse', `${CM}/broken?fieldManager=t`, 'metadata: [\n', 400, /^error decoding patch: error converting YAML to JSON: yaml: line/],
    ]
    for (const [what, p, body, code, message] of cases) {
      const type = p.includes('fieldManager') ? 'application/apply-patch+yaml' : 'application/yaml'
      const r = await e.http(p.includes('fieldManager') ? 'PATCH' : 'POST', p, body, { 'content-type': type })
      expect(r.status, `${what}: ${r.text}`).toBe(code)
      expect(r.json?.kind, what).toBe('Status')
      expect(r.json.message, what).toMatch(message)
    }
    expect(await count()).toBe(before)
  })

  it('a 10 MB YAML body is 413 before it is read', async () => {
    const big = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n${Array.from({ length: 160_000 }, (_, i) => `  k${i}: "${'x'.repeat(50)}"`).join('\n')}\n`
    expect(big.length).toBeGreaterThan(10_000_000)
    const r = await e.http('POST', CM, big, YAML)
    expect(r.status).toBe(413)
    expect(r.json.reason).toBe('RequestEntityTooLarge')
    expect((await e.http('GET', `${CM}/big`)).status).toBe(404)
  })

  it('duplicate keys: a 400 under Strict, warnings under Warn, the last value under Ignore', async () => {
    const dup = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\n  name: dup2\ndata:\n  a: "1"\n  a: "2"\n'
    const strict = await e.http('POST', `${CM}?fieldValidation=Strict`, dup, YAML)
    expect(strict.status).toBe(400)
    expect(strict.json.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: yaml: unmarshal errors:\n  line 5: key "name" already set in map\n  line 8: key "a" already set in map')
    const warn = await e.http('POST', CM, dup, YAML)
    expect(warn.status, warn.text).toBe(201)
    expect(warn.headers.get('warning')).toBe('299 - "line 5: key \\"name\\" already set in map", 299 - "line 8: key \\"a\\" already set in map"')
    expect(warn.json.metadata.name).toBe('dup2')
    expect(warn.json.data).toEqual({ a: '2' })
    const applyDup = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup3\ndata:\n  a: "1"\n  a: "2"\n'
    const strictApply = await e.http('PATCH', `${CM}/dup3?fieldManager=t&fieldValidation=Strict`, applyDup, { 'content-type': 'application/apply-patch+yaml' })
    expect(strictApply.status).toBe(400)
    expect(strictApply.json.message).toBe('error strict decoding patch: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key "a" already set in map')
    expect((await e.http('GET', `${CM}/dup3`)).status).toBe(404)
    const ignored = await e.http('PATCH', `${CM}/dup3?fieldManager=t&fieldValidation=Ignore`, applyDup, { 'content-type': 'application/apply-patch+yaml' })
    expect(ignored.status).toBe(201)
    expect(ignored.headers.get('warning')).toBeNull()
    expect(ignored.json.data).toEqual({ a: '2' })
  })
})
