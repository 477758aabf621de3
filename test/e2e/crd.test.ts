// CustomResourceDefinitions with kubectl 1.35 and helm against a real
// `wrangler dev`: a CRD with a nested schema, defaults, enums, CEL rules
// (messageExpression, a transition rule), status and scale subresources,
// printer columns, a short name, a category and two versions; what kubectl
// does with it (wait, explain, apply, validate, get, scale, patch, watch);
// its deletion; and a chart that brings its CRDs in crds/.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, helm as runHelm, parseTable, setupE2E, type E2E } from './harness'
import { largeCRD } from './large-crd'

let e: E2E
let dir: string

beforeAll(async () => {
  e = await setupE2E()
  dir = fs.mkdtempSync(path.join(e.tmpDir, 'crd-'))
})

afterAll(async () => {
  await e?.close()
})

function ok(r: { code: number | null; stdout: string; stderr: string }, what: string) {
  expect(r.code, `${what} failed\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0)
}

function manifest(name: string, text: string): string {
  const file = path.join(dir, name)
  fs.writeFileSync(file, text)
  return file
}

const BACKUP_SCHEMA = `
        type: object
        required: [spec]
        properties:
          spec:
            type: object
            description: What to back up, and how often.
            required: [schedule, target]
            x-kubernetes-validations:
            - rule: "self.keep >= self.minKeep"
              messageExpression: "'keep (' + string(self.keep) + ') must be at least minKeep (' + string(self.minKeep) + ')'"
            properties:
              schedule:
                type: string
                description: A cron schedule.
                pattern: '^(\\S+ ){4}\\S+$'
              target:
                type: object
                description: Where backups are written.
                required: [bucket]
                properties:
                  bucket: {type: string, description: The bucket name., maxLength: 63}
                  region: {type: string, default: eu-west-1}
                  storageClass: {type: string, enum: [STANDARD, GLACIER], default: STANDARD}
              keep: {type: integer, minimum: 0, maximum: 100, default: 7}
              minKeep: {type: integer, default: 1}
              replicas: {type: integer, default: 1}
              selector: {type: string}
              engine:
                type: string
                default: restic
                x-kubernetes-validations:
                - rule: "self == oldSelf"
                  message: engine cannot be changed
          status:
            type: object
            properties:
              phase: {type: string}
              replicas: {type: integer}
              lastRun: {type: string, format: date-time}`

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: backups.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: backups
    singular: backup
    kind: Backup
    shortNames: [bk]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:${BACKUP_SCHEMA}
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
        labelSelectorPath: .spec.selector
    additionalPrinterColumns:
    - {name: Schedule, type: string, jsonPath: .spec.schedule}
    - {name: Bucket, type: string, jsonPath: .spec.target.bucket}
    - {name: Keep, type: integer, jsonPath: .spec.keep}
    - {name: Phase, type: string, jsonPath: .status.phase}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
  - name: v1beta1
    served: true
    storage: false
    deprecated: true
    deprecationWarning: stable.example.com/v1beta1 Backup is deprecated; use stable.example.com/v1
    schema:
      openAPIV3Schema:${BACKUP_SCHEMA.replace(/x-kubernetes-validations:\n\s+- rule: "self == oldSelf"\n\s+message: engine cannot be changed/, '')}
    subresources:
      status: {}
`

const backup = (name: string, spec: string) => `apiVersion: stable.example.com/v1
kind: Backup
metadata:
  name: ${name}
  namespace: crds
spec:
${spec}`

async function json(args: string[]) {
  const r = await e.kubectl([...args, '-o', 'json'])
  ok(r, args.join(' '))
  return JSON.parse(r.stdout)
}

describe('a CustomResourceDefinition through kubectl', () => {
  it('applies, and is established for kubectl wait', async () => {
    ok(await e.kubectl(['create', 'namespace', 'crds']), 'create namespace')
    ok(await e.kubectl(['apply', '-f', manifest('crd.yaml', crd)]), 'apply crd')
    const r = await e.kubectl(['wait', '--for', 'condition=established', '--timeout=30s', 'crd/backups.stable.example.com'])
    ok(r, 'wait')
    expect(r.stdout).toContain('condition met')
    const got = await json(['get', 'crd', 'backups.stable.example.com'])
    expect(got.status.acceptedNames).toMatchObject({ kind: 'Backup', plural: 'backups', shortNames: ['bk'] })
  })

  it('explain shows its fields', async () => {
    const r = await e.kubectl(['explain', 'backups.spec.target'])
    ok(r, 'explain')
    expect(r.stdout).toContain('Where backups are written.')
    expect(r.stdout).toMatch(/bucket\s+<string> -required-/)
    expect(r.stdout).toContain('The bucket name.')
    expect(r.stdout).toMatch(/storageClass\s+<string>/)
  })

  it('creates a custom resource with its defaults, and prints its columns by short name', async () => {
    ok(await e.kubectl(['apply', '-f', manifest('b1.yaml', backup('nightly', '  schedule: "0 3 * * *"\n  target: {bucket: backups}\n  selector: app=db'))]), 'apply backup')
    const got = await json(['get', 'bk', 'nightly', '-n', 'crds'])
    expect(got.spec).toEqual({ schedule: '0 3 * * *', target: { bucket: 'backups', region: 'eu-west-1', storageClass: 'STANDARD' }, keep: 7, minKeep: 1, replicas: 1, engine: 'restic', selector: 'app=db' })
    const r = await e.kubectl(['get', 'bk', '-n', 'crds'])
    ok(r, 'get bk')
    const [row] = parseTable(r.stdout)
    // a column with nothing to show is empty, as kube's CRD table convertor leaves it
    expect(row).toMatchObject({ NAME: 'nightly', SCHEDULE: '0 3 * * *', BUCKET: 'backups', KEEP: '7', PHASE: '' })
    expect(row.AGE).toMatch(/^\d+s$/)
    const all = await e.kubectl(['get', 'all', '-n', 'crds'])
    ok(all, 'get all')
    expect(all.stdout).toContain('backup.stable.example.com/nightly')
  })

  it('refuses invalid custom resources with 422 and the schema and CEL causes', async () => {
    const r = await e.kubectl(['apply', '-f', manifest('bad.yaml', backup('bad', '  schedule: "daily"\n  target: {bucket: b, storageClass: COLD}\n  keep: 1\n  minKeep: 3'))])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('The Backup "bad" is invalid')
    expect(r.stderr).toContain(`spec.schedule: Invalid value: "daily": spec.schedule in body should match`)
    expect(r.stderr).toContain('spec.target.storageClass: Unsupported value: "COLD": supported values: "STANDARD", "GLACIER"')
    expect(r.stderr).toContain('keep (1) must be at least minKeep (3)')
    expect((await e.kubectl(['get', 'bk', 'bad', '-n', 'crds'])).code).not.toBe(0)
  })

  it('refuses unknown fields under --validate=strict, warns under warn, and prunes them when not validating', async () => {
    const file = manifest('unknown.yaml', backup('pruned', '  schedule: "0 4 * * *"\n  target: {bucket: b}\n  bogus: 1'))
    const strict = await e.kubectl(['apply', '--validate=strict', '-f', file])
    expect(strict.code).not.toBe(0)
    expect(strict.stderr).toContain('unknown field "spec.bogus"')
    const warn = await e.kubectl(['apply', '--validate=warn', '-f', file])
    ok(warn, 'apply --validate=warn')
    expect(warn.stderr).toContain('unknown field "spec.bogus"')
    expect((await json(['get', 'bk', 'pruned', '-n', 'crds'])).spec).not.toHaveProperty('bogus')
  })

  it('kubectl scale writes the scale paths', async () => {
    ok(await e.kubectl(['scale', 'bk/nightly', '-n', 'crds', '--replicas=3']), 'scale')
    expect((await json(['get', 'bk', 'nightly', '-n', 'crds'])).spec.replicas).toBe(3)
    const scale = await e.http('GET', '/apis/stable.example.com/v1/namespaces/crds/backups/nightly/scale')
    expect(scale.json).toMatchObject({ kind: 'Scale', spec: { replicas: 3 }, status: { selector: 'app=db' } })
  })

  it('status writes leave spec alone and spec writes leave status alone; generation follows spec', async () => {
    const before = await json(['get', 'bk', 'nightly', '-n', 'crds'])
    ok(await e.kubectl(['patch', 'bk', 'nightly', '-n', 'crds', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Succeeded","replicas":3},"spec":{"keep":50}}']), 'patch status')
    const st = await json(['get', 'bk', 'nightly', '-n', 'crds'])
    expect(st.status).toEqual({ phase: 'Succeeded', replicas: 3 })
    expect(st.spec.keep).toBe(7)
    expect(st.metadata.generation).toBe(before.metadata.generation)
    ok(await e.kubectl(['patch', 'bk', 'nightly', '-n', 'crds', '--type=merge', '-p', '{"spec":{"keep":9},"status":{"phase":"Lost"}}']), 'patch spec')
    const sp = await json(['get', 'bk', 'nightly', '-n', 'crds'])
    expect(sp.spec.keep).toBe(9)
    expect(sp.status.phase).toBe('Succeeded')
    expect(sp.metadata.generation).toBe(before.metadata.generation + 1)
  })

  it('a transition rule refuses a change', async () => {
    const r = await e.kubectl(['patch', 'bk', 'nightly', '-n', 'crds', '--type=merge', '-p', '{"spec":{"engine":"borg"}}'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('spec.engine: Invalid value: "string": engine cannot be changed')
  })

  it('watches custom resources', async () => {
    const w = e.kubectlBackground(['get', 'bk', '-n', 'crds', '-w', '--output-watch-events'])
    try {
      await w.waitForLine((l) => l.includes('nightly'), 20_000)
      ok(await e.kubectl(['apply', '-f', manifest('b2.yaml', backup('weekly', '  schedule: "0 5 * * 0"\n  target: {bucket: weekly}'))]), 'apply weekly')
      await w.waitForLine((l) => /ADDED\s+weekly/.test(l), 20_000)
      ok(await e.kubectl(['delete', 'bk', 'weekly', '-n', 'crds']), 'delete weekly')
      await w.waitForLine((l) => /DELETED\s+weekly/.test(l), 20_000)
    } finally {
      await w.stop()
    }
  })

  it('serves both versions from one storage, warning about the deprecated one', async () => {
    const r = await e.kubectl(['get', 'backups.v1beta1.stable.example.com', 'nightly', '-n', 'crds', '-o', 'json'])
    ok(r, 'get v1beta1')
    expect(JSON.parse(r.stdout).apiVersion).toBe('stable.example.com/v1beta1')
    expect(r.stderr).toContain('Warning: stable.example.com/v1beta1 Backup is deprecated; use stable.example.com/v1')
    expect((await json(['get', 'backups.v1.stable.example.com', 'nightly', '-n', 'crds'])).apiVersion).toBe('stable.example.com/v1')
  })

  it('deleting the CRD deletes its resources and its discovery', async () => {
    ok(await e.kubectl(['delete', 'crd', 'backups.stable.example.com', '--timeout=60s']), 'delete crd')
    await eventually(async () => (await e.http('GET', '/apis/stable.example.com/v1/namespaces/crds/backups/nightly')).status === 404, 30_000, 'backup gone')
    const r = await e.kubectl(['get', 'bk', '-n', 'crds'])
    expect(r.code).not.toBe(0)
    // kubectl still knows "bk" from its discovery cache; the list itself is refused
    expect(r.stderr).toMatch(/the server doesn't have a resource type "bk"|Unable to list "stable.example.com\/v1, Resource=backups": the server could not find the requested resource/)
    expect((await e.http('GET', '/apis')).json.groups.map((g: { name: string }) => g.name)).not.toContain('stable.example.com')
  })
})

describe('a large real-world CRD', () => {
  it('applies server-side (hundreds of KB of schema) and validates its custom resources', async () => {
    const { crd, bytes } = largeCRD()
    expect(bytes).toBeGreaterThan(300_000)
    ok(await e.kubectl(['apply', '--server-side', '-f', manifest('prometheus-crd.json', JSON.stringify(crd))]), 'apply --server-side')
    ok(await e.kubectl(['wait', '--for', 'condition=established', '--timeout=30s', 'crd/prometheuses.monitoring.example.com']), 'wait')
    const good = {
      apiVersion: 'monitoring.example.com/v1', kind: 'Prometheus', metadata: { name: 'k8s', namespace: 'crds' },
      spec: {
        replicas: 2, retention: '10d',
        podTemplate: { containers: [{ name: 'prometheus', image: 'prom/prometheus:v3', ports: [{ containerPort: 9090, name: 'web' }], resources: { requests: { cpu: '500m', memory: '2Gi' } } }] },
        additionalArgs: [{ name: 'log.level', value: 'debug' }],
      },
    }
    ok(await e.kubectl(['apply', '--server-side', '-f', manifest('prom.json', JSON.stringify(good))]), 'apply prometheus')
    const got = await json(['get', 'prom', 'k8s', '-n', 'crds'])
    expect(got.spec.podTemplate.containers[0].resources.requests).toEqual({ cpu: '500m', memory: '2Gi' })
    const bad = structuredClone(good)
    bad.metadata.name = 'broken'
    ;(bad.spec.podTemplate.containers[0].ports[0] as Record<string, unknown>).containerPort = 'web'
    const r = await e.kubectl(['apply', '--server-side', '-f', manifest('broken.json', JSON.stringify(bad))])
    expect(r.code).not.toBe(0)
    // a wrong type cannot even be merged, as kube's structured merge says
    expect(r.stderr).toContain('.spec.podTemplate.containers[name="prometheus"].ports[0].containerPort: expected numeric (int or float), got string')
    const late = structuredClone(good)
    late.metadata.name = 'late'
    ;(late.spec as Record<string, unknown>).retention = 'forever'
    const r2 = await e.kubectl(['apply', '--server-side', '-f', manifest('late.json', JSON.stringify(late))])
    expect(r2.code).not.toBe(0)
    expect(r2.stderr).toContain('The Prometheus "late" is invalid: spec.retention: Invalid value: "forever": spec.retention in body should match')
    const explain = await e.kubectl(['explain', 'prometheuses.spec.podTemplate.containers.livenessProbe.httpGet.port'])
    ok(explain, 'explain')
    expect(explain.stdout).toContain('port')
  })
})

describe('a ValidatingAdmissionPolicy through kubectl', () => {
  const policy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: replica-limit}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments]
  validations:
  - expression: object.spec.replicas <= 5
    messageExpression: "'replicas must be at most 5, not ' + string(object.spec.replicas)"
`
  const binding = (action: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: replica-limit}
spec:
  policyName: replica-limit
  validationActions: [${action}]
`

  it('denies a Deployment with too many replicas with the policy message, and Warn warns instead', async () => {
    ok(await e.kubectl(['apply', '-f', manifest('vap.yaml', policy)]), 'apply policy')
    ok(await e.kubectl(['apply', '-f', manifest('vapb.yaml', binding('Deny'))]), 'apply binding')
    let denied = { code: 0 as number | null, stdout: '', stderr: '' }
    await eventually(async () => {
      denied = await e.kubectl(['create', 'deployment', 'big', '-n', 'crds', '--image=nginx', '--replicas=10'])
      return denied.code !== 0
    }, 20_000, 'the binding takes effect')
    expect(denied.stderr).toContain(`error: failed to create deployment: deployments.apps "big" is invalid: : ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit' denied request: replicas must be at most 5, not 10`)
    ok(await e.kubectl(['create', 'deployment', 'small', '-n', 'crds', '--image=nginx', '--replicas=2']), 'create small')
    ok(await e.kubectl(['apply', '-f', manifest('vapb.yaml', binding('Warn'))]), 'apply Warn binding')
    let warned = { code: 1 as number | null, stdout: '', stderr: '' }
    await eventually(async () => {
      warned = await e.kubectl(['create', 'deployment', 'warned', '-n', 'crds', '--image=nginx', '--replicas=10'])
      if (warned.code !== 0) return false
      return true
    }, 20_000, 'the Warn binding takes effect')
    expect(warned.stderr).toContain(`Warning: Validation failed for ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit': replicas must be at most 5, not 10`)
    const vap = await json(['get', 'validatingadmissionpolicy', 'replica-limit'])
    expect(vap.status.observedGeneration).toBe(1)
  })
})

describe('a chart with CRDs', () => {
  const helm = (args: string[]) => runHelm(e, args, 90_000)

  it('installs its crds/ before its templates, upgrades, and uninstalls', async () => {
    const chart = path.join(dir, 'chart')
    fs.mkdirSync(path.join(chart, 'crds'), { recursive: true })
    fs.mkdirSync(path.join(chart, 'templates'), { recursive: true })
    fs.writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: widgets\nversion: 0.1.0\n')
    fs.writeFileSync(path.join(chart, 'values.yaml'), 'size: small\n')
    fs.writeFileSync(path.join(chart, 'crds', 'widgets.yaml'), `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.charts.example.com}
spec:
  group: charts.example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: string, enum: [small, large]}
`)
    fs.writeFileSync(path.join(chart, 'templates', 'widget.yaml'), 'apiVersion: charts.example.com/v1\nkind: Widget\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  size: {{ .Values.size }}\n')
    ok(await helm(['install', 'wid', chart, '-n', 'crds', '--wait', '--timeout', '60s']), 'helm install')
    expect((await e.http('GET', '/apis/charts.example.com/v1/namespaces/crds/widgets/wid')).json.spec).toEqual({ size: 'small' })
    ok(await helm(['upgrade', 'wid', chart, '-n', 'crds', '--set', 'size=large']), 'helm upgrade')
    expect((await e.http('GET', '/apis/charts.example.com/v1/namespaces/crds/widgets/wid')).json.spec).toEqual({ size: 'large' })
    const bad = await helm(['upgrade', 'wid', chart, '-n', 'crds', '--set', 'size=huge'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('Unsupported value: "huge"')
    ok(await helm(['uninstall', 'wid', '-n', 'crds']), 'helm uninstall')
    expect((await e.http('GET', '/apis/charts.example.com/v1/namespaces/crds/widgets/wid')).status).toBe(404)
    // helm leaves the CRDs it installed from crds/ in place, as it documents
    expect((await e.http('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.charts.example.com')).status).toBe(200)
  })
})
