// Helm 4 against a real `wrangler dev`: install (server-side apply, protobuf
// release Secrets), list, status, upgrade, rollback and uninstall of a chart
// with a ConfigMap, a Secret, a Service and a Deployment.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, setupE2E, type E2E } from './harness'

let e: E2E
const chart = path.join(ROOT, 'test/fixtures/chart')

beforeAll(async () => {
  e = await setupE2E()
})

afterAll(async () => {
  await e?.close()
})

function helm(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(e.helmPath, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: e.tmpDir, KUBECONFIG: e.kubeconfigPath },
      timeout: 60_000,
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }))
  })
}

function ok(r: { code: number | null; stdout: string; stderr: string }, what: string) {
  expect(r.code, `${what} failed\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0)
}

async function getJson(urlPath: string) {
  const r = await e.http('GET', urlPath)
  return { status: r.status, body: r.json }
}

const releaseSecrets = async () => (await getJson('/api/v1/namespaces/default/secrets?labelSelector=owner%3Dhelm,name%3Ddemo')).body.items
  .map((s: { metadata: { name: string; labels: Record<string, string> } }) => `${s.metadata.name}:${s.metadata.labels.status}`).sort()

describe('helm', () => {
  it('installs a chart: the release Secret and every resource, applied by the helm field manager', async () => {
    ok(await helm(['install', 'demo', chart]), 'helm install')
    const cm = await getJson('/api/v1/namespaces/default/configmaps/demo-cfg')
    expect(cm.body.data).toEqual({ greeting: 'hello' })
    expect(cm.body.metadata.labels['app.kubernetes.io/managed-by']).toBe('Helm')
    expect(cm.body.metadata.managedFields.map((m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`)).toContain('helm/Apply')
    expect((await getJson('/api/v1/namespaces/default/secrets/demo-sec')).body.data.password).toBe(btoa('s3cret'))
    expect((await getJson('/api/v1/namespaces/default/services/demo-svc')).body.spec.clusterIP).toMatch(/^10\./)
    expect((await getJson('/apis/apps/v1/namespaces/default/deployments/demo-web')).body.spec.replicas).toBe(1)
    expect(await releaseSecrets()).toEqual(['sh.helm.release.v1.demo.v1:deployed'])
  })

  it('lists and shows the release', async () => {
    const list = await helm(['list', '-A'])
    ok(list, 'helm list -A')
    expect(list.stdout).toMatch(/^demo\s+default\s+1\s+.*deployed\s+demo-0\.1\.0/m)
    const status = await helm(['status', 'demo'])
    ok(status, 'helm status')
    expect(status.stdout).toContain('STATUS: deployed')
  })

  it('upgrades with --set and rolls back', async () => {
    ok(await helm(['upgrade', 'demo', chart, '--set', 'greeting=hi', '--set', 'replicas=3']), 'helm upgrade')
    expect((await getJson('/api/v1/namespaces/default/configmaps/demo-cfg')).body.data.greeting).toBe('hi')
    expect((await getJson('/apis/apps/v1/namespaces/default/deployments/demo-web')).body.spec.replicas).toBe(3)
    expect(await releaseSecrets()).toEqual(['sh.helm.release.v1.demo.v1:superseded', 'sh.helm.release.v1.demo.v2:deployed'])
    ok(await helm(['rollback', 'demo', '1']), 'helm rollback')
    expect((await getJson('/api/v1/namespaces/default/configmaps/demo-cfg')).body.data.greeting).toBe('hello')
    expect((await getJson('/apis/apps/v1/namespaces/default/deployments/demo-web')).body.spec.replicas).toBe(1)
    const history = await helm(['history', 'demo'])
    ok(history, 'helm history')
    expect(history.stdout).toMatch(/^3\s+.*deployed\s+.*Rollback to 1/m)
  })

  it('uninstalls: the resources and the release Secrets go', async () => {
    ok(await helm(['uninstall', 'demo']), 'helm uninstall')
    for (const p of ['/api/v1/namespaces/default/configmaps/demo-cfg', '/api/v1/namespaces/default/secrets/demo-sec', '/api/v1/namespaces/default/services/demo-svc', '/apis/apps/v1/namespaces/default/deployments/demo-web']) {
      expect((await getJson(p)).status, p).toBe(404)
    }
    expect(await releaseSecrets()).toEqual([])
    const list = await helm(['list', '-A'])
    expect(list.stdout).not.toContain('demo')
  })
})
