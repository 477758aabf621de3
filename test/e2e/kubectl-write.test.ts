// kubectl 1.35's write path against a real `wrangler dev`: create -f and the
// imperative generators (protobuf bodies), client-side and server-side apply,
// diff, label/annotate/patch/edit/scale, dry runs, explain, auth, strict
// field validation.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setupE2E, type E2E } from './harness'

let e: E2E
let dir: string

beforeAll(async () => {
  e = await setupE2E()
  dir = fs.mkdtempSync(path.join(e.tmpDir, 'manifests-'))
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

const deployment = (containers: string, replicas = 2) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: writes
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
${containers}`

async function json(args: string[]) {
  const r = await e.kubectl([...args, '-o', 'json', '--show-managed-fields'])
  ok(r, args.join(' '))
  return JSON.parse(r.stdout)
}

describe('creating', () => {
  it('create namespace|configmap|secret|deployment|service|serviceaccount (protobuf bodies)', async () => {
    ok(await e.kubectl(['create', 'namespace', 'writes']), 'create namespace')
    ok(await e.kubectl(['create', 'configmap', 'cfg', '-n', 'writes', '--from-literal=a=1', '--from-literal=b=2']), 'create configmap')
    ok(await e.kubectl(['create', 'secret', 'generic', 'sec', '-n', 'writes', '--from-literal=password=s3cret']), 'create secret')
    ok(await e.kubectl(['create', 'deployment', 'gen', '-n', 'writes', '--image=nginx', '--replicas=2']), 'create deployment')
    ok(await e.kubectl(['create', 'service', 'clusterip', 'svc', '-n', 'writes', '--tcp=80:8080']), 'create service')
    ok(await e.kubectl(['create', 'serviceaccount', 'robot', '-n', 'writes']), 'create serviceaccount')
    expect((await json(['get', 'cm', 'cfg', '-n', 'writes'])).data).toEqual({ a: '1', b: '2' })
    expect(atob((await json(['get', 'secret', 'sec', '-n', 'writes'])).data.password)).toBe('s3cret')
    const dep = await json(['get', 'deploy', 'gen', '-n', 'writes'])
    expect(dep.spec.replicas).toBe(2)
    expect(dep.spec.template.spec.containers[0].image).toBe('nginx')
    const svc = await json(['get', 'svc', 'svc', '-n', 'writes'])
    expect(svc.spec.ports[0]).toMatchObject({ port: 80, targetPort: 8080, protocol: 'TCP' })
    expect(svc.spec.clusterIP).toMatch(/^10\./)
    const token = await e.kubectl(['create', 'token', 'robot', '-n', 'writes'])
    ok(token, 'create token')
    expect(token.stdout.trim().split('.')).toHaveLength(3)
  })

  it('typed commands read protobuf answers: the object kubectl prints is the stored one', async () => {
    const r = await e.kubectl(['create', 'configmap', 'pb-answer', '-n', 'writes', '--from-literal=k=v', '-o', 'json', '-v=8'])
    ok(r, 'create configmap -o json')
    // client-go logs the answer's headers at -v=8
    expect(r.stderr).toMatch(/"Response" status="201 Created" headers=<[^>]*Content-Type: application\/vnd\.kubernetes\.protobuf/)
    const printed = JSON.parse(r.stdout)
    const stored = await json(['get', 'cm', 'pb-answer', '-n', 'writes'])
    expect(printed.metadata.uid).toBe(stored.metadata.uid)
    expect(printed.data).toEqual({ k: 'v' })
  })

  it('create -f of a pod, a deployment and a service manifest', async () => {
    const file = manifest('objects.yaml', `apiVersion: v1
kind: Pod
metadata: {name: solo, namespace: writes}
spec:
  containers: [{name: c, image: busybox, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: solo, namespace: writes}
spec:
  selector: {app: solo}
  ports: [{port: 80, targetPort: 8080}]
`)
    const r = await e.kubectl(['create', '-f', file])
    ok(r, 'create -f')
    expect(r.stdout).toContain('pod/solo created')
    expect(r.stdout).toContain('service/solo created')
    const again = await e.kubectl(['create', '-f', file])
    expect(again.code).not.toBe(0)
    expect(again.stderr).toContain('Error from server (AlreadyExists)')
  })

  it('refuses an unknown field with kubectl\'s strict decoding message, and drops it with --validate=false', async () => {
    const file = manifest('bad.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: strict, namespace: writes}\ndata: {a: "1"}\nbogusField: 1\n')
    const strict = await e.kubectl(['create', '-f', file])
    expect(strict.code).not.toBe(0)
    expect(strict.stderr).toContain('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogusField"')
    expect((await e.kubectl(['get', 'cm', 'strict', '-n', 'writes'])).code).not.toBe(0)
    ok(await e.kubectl(['create', '-f', file, '--validate=false']), 'create --validate=false')
    expect((await json(['get', 'cm', 'strict', '-n', 'writes'])).bogusField).toBeUndefined()
  })
})

describe('applying', () => {
  it('apply -f: created, unchanged, configured with $setElementOrder, and a removed list item', async () => {
    const two = deployment(`      - name: a
        image: nginx:1.27
        env: [{name: X, value: "1"}]
      - name: b
        image: busybox
`)
    const file = manifest('dep.yaml', two)
    const created = await e.kubectl(['apply', '-f', file])
    ok(created, 'apply (new)')
    expect(created.stdout).toContain('deployment.apps/web created')
    const unchanged = await e.kubectl(['apply', '-f', file])
    expect(unchanged.stdout).toContain('deployment.apps/web unchanged')
    fs.writeFileSync(file, two.replace('nginx:1.27', 'nginx:1.28').replace('value: "1"', 'value: "2"'))
    const configured = await e.kubectl(['apply', '-f', file])
    expect(configured.stdout).toContain('deployment.apps/web configured')
    let live = await json(['get', 'deploy', 'web', '-n', 'writes'])
    expect(live.spec.template.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`)).toEqual(['a=nginx:1.28', 'b=busybox'])
    expect(live.spec.template.spec.containers[0].env).toEqual([{ name: 'X', value: '2' }])
    fs.writeFileSync(file, deployment(`      - name: a
        image: nginx:1.28
        env: [{name: X, value: "2"}]
`))
    ok(await e.kubectl(['apply', '-f', file]), 'apply (removed container)')
    live = await json(['get', 'deploy', 'web', '-n', 'writes'])
    expect(live.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['a'])
    expect(live.metadata.managedFields.map((m: { manager: string }) => m.manager)).toContain('kubectl-client-side-apply')
  })

  it('diff -f exits 1 on differences and 0 when none', async () => {
    const file = path.join(dir, 'dep.yaml')
    const same = await e.kubectl(['diff', '-f', file])
    expect(same.code, same.stderr).toBe(0)
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('replicas: 2', 'replicas: 5'))
    const differs = await e.kubectl(['diff', '-f', file])
    expect(differs.code, differs.stderr).toBe(1)
    expect(differs.stdout).toMatch(/^-\s+replicas: 2$/m)
    expect(differs.stdout).toMatch(/^\+\s+replicas: 5$/m)
    expect((await json(['get', 'deploy', 'web', '-n', 'writes'])).spec.replicas).toBe(2)
  })

  it('apply --server-side, a conflict between two managers, and --force-conflicts', async () => {
    const file = manifest('ssa.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: writes}\ndata: {a: "1", b: "x"}\n')
    const first = await e.kubectl(['apply', '--server-side', '-f', file])
    ok(first, 'apply --server-side')
    expect(first.stdout).toContain('configmap/ssa serverside-applied')
    const other = manifest('ssa-other.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: writes}\ndata: {a: "2"}\n')
    const conflict = await e.kubectl(['apply', '--server-side', '--field-manager=other', '-f', other])
    expect(conflict.code).not.toBe(0)
    expect(conflict.stderr).toContain('conflict with "kubectl"')
    expect(conflict.stderr).toContain('.data.a')
    ok(await e.kubectl(['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', other]), 'force-conflicts')
    const cm = await json(['get', 'cm', 'ssa', '-n', 'writes'])
    expect(cm.data).toEqual({ a: '2', b: 'x' })
    const owners = Object.fromEntries(cm.metadata.managedFields.map((m: { manager: string; fieldsV1: unknown }) => [m.manager, JSON.stringify(m.fieldsV1)]))
    expect(owners.other).toContain('f:a')
    expect(owners.kubectl).not.toContain('f:a')
  })
})

describe('changing', () => {
  it('label, annotate and patch --type merge|json|strategic, with "(no change)"', async () => {
    ok(await e.kubectl(['label', 'deploy', 'web', '-n', 'writes', 'tier=front']), 'label')
    ok(await e.kubectl(['annotate', 'deploy', 'web', '-n', 'writes', 'note=hello']), 'annotate')
    ok(await e.kubectl(['patch', 'deploy', 'web', '-n', 'writes', '--type', 'merge', '-p', '{"spec":{"replicas":3}}']), 'patch merge')
    ok(await e.kubectl(['patch', 'deploy', 'web', '-n', 'writes', '--type', 'json', '-p', '[{"op":"add","path":"/spec/minReadySeconds","value":5}]']), 'patch json')
    ok(await e.kubectl(['patch', 'deploy', 'web', '-n', 'writes', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"nginx:1.29"}]}}}}']), 'patch strategic')
    // The deployment controller is rolling the new template out; "(no change)" needs it to have settled.
    for (let last = '', i = 0; i < 40; i++) {
      const rv = (await e.http('GET', '/apis/apps/v1/namespaces/writes/deployments/web')).json.metadata.resourceVersion
      if (rv === last) break
      last = rv
      await new Promise((r) => setTimeout(r, 1000))
    }
    const noop = await e.kubectl(['patch', 'deploy', 'web', '-n', 'writes', '--type', 'merge', '-p', '{"spec":{"replicas":3}}'])
    expect(noop.stdout).toContain('patched (no change)')
    const d = await json(['get', 'deploy', 'web', '-n', 'writes'])
    expect(d.metadata.labels.tier).toBe('front')
    expect(d.metadata.annotations.note).toBe('hello')
    expect(d.spec.replicas).toBe(3)
    expect(d.spec.minReadySeconds).toBe(5)
    expect(d.spec.template.spec.containers.map((c: { image: string }) => c.image)).toEqual(['nginx:1.29'])
    expect(d.metadata.managedFields.map((m: { manager: string }) => m.manager)).toEqual(expect.arrayContaining(['kubectl-label', 'kubectl-annotate', 'kubectl-patch']))
  })

  it('patch --subresource=status changes status only', async () => {
    const r = await e.kubectl(['patch', 'pod', 'solo', '-n', 'writes', '--subresource=status', '--type', 'merge', '-p', '{"status":{"phase":"Running"},"metadata":{"labels":{"ignored":"yes"}}}'])
    ok(r, 'patch status')
    const p = await json(['get', 'pod', 'solo', '-n', 'writes'])
    expect(p.status.phase).toBe('Running')
    expect(p.metadata.labels?.ignored).toBeUndefined()
  })

  it('edit through a scripted EDITOR', async () => {
    const editor = manifest('editor.sh', '#!/bin/sh\nsed -i "s/tier: front/tier: edited/" "$1"\n')
    fs.chmodSync(editor, 0o755)
    const r = await e.kubectl(['edit', 'deploy', 'web', '-n', 'writes'], { env: { EDITOR: editor, KUBE_EDITOR: editor } })
    ok(r, 'edit')
    expect(r.stdout).toContain('deployment.apps/web edited')
    expect((await json(['get', 'deploy', 'web', '-n', 'writes'])).metadata.labels.tier).toBe('edited')
  })

  it('scale deployment through the scale subresource', async () => {
    const r = await e.kubectl(['scale', 'deployment', 'web', '-n', 'writes', '--replicas=7'])
    ok(r, 'scale')
    expect(r.stdout).toContain('deployment.apps/web scaled')
    expect((await json(['get', 'deploy', 'web', '-n', 'writes'])).spec.replicas).toBe(7)
  })

  it('autoscale a deployment (autoscaling/v2 in protobuf), read in v2 and v1', async () => {
    const r = await e.kubectl(['autoscale', 'deployment', 'gen', '-n', 'writes', '--min=2', '--max=5', '--cpu=60%', '--memory=300Mi'])
    ok(r, 'autoscale')
    expect(r.stdout).toContain('horizontalpodautoscaler.autoscaling/gen autoscaled')
    const v2 = await json(['get', 'hpa', 'gen', '-n', 'writes'])
    expect(v2.apiVersion).toBe('autoscaling/v2')
    expect(v2.spec).toMatchObject({ minReplicas: 2, maxReplicas: 5, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'gen' } })
    expect(v2.spec.metrics).toEqual(expect.arrayContaining([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '300Mi' } } },
    ]))
    const v1 = await json(['get', 'horizontalpodautoscalers.v1.autoscaling', 'gen', '-n', 'writes'])
    expect(v1.apiVersion).toBe('autoscaling/v1')
    expect(v1.spec).toMatchObject({ minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 60 })
    expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'])).toEqual([{ type: 'Resource', resource: { name: 'memory', targetAverageValue: '300Mi' } }])
    const table = await e.kubectl(['get', 'hpa', 'gen', '-n', 'writes'])
    ok(table, 'get hpa')
    expect(table.stdout).toMatch(/gen\s+Deployment\/gen\s+cpu: <unknown>\/60%, memory: <unknown>\/300Mi\s+2\s+5\s+0/)
  })

  it('delete --dry-run=server leaves the object', async () => {
    const r = await e.kubectl(['delete', 'deploy', 'web', '-n', 'writes', '--dry-run=server'])
    ok(r, 'delete --dry-run=server')
    expect(r.stdout).toContain('(server dry run)')
    ok(await e.kubectl(['get', 'deploy', 'web', '-n', 'writes']), 'still there')
  })
})

describe('reading the schema and asking the server', () => {
  it('explain pods.spec.containers', async () => {
    const r = await e.kubectl(['explain', 'pods.spec.containers'])
    ok(r, 'explain')
    expect(r.stdout).toContain('KIND:       Pod')
    expect(r.stdout).toContain('FIELD: containers <[]Container>')
    expect(r.stdout).toMatch(/^\s+image\s+<string>/m)
  })

  it('auth can-i create pods says yes; auth whoami names the admin', async () => {
    const r = await e.kubectl(['auth', 'can-i', 'create', 'pods'])
    ok(r, 'auth can-i')
    expect(r.stdout.trim()).toBe('yes')
    const who = await e.kubectl(['auth', 'whoami'])
    ok(who, 'auth whoami')
    // The insecure port's system:admin, or start:secure's admin: a cluster admin either way.
    expect(who.stdout).toContain(e.server.adminKubeconfig ? 'admin' : 'system:admin')
    expect(who.stdout).toContain('system:masters')
  })
})
