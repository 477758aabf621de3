// Helm 4 against a real `wrangler dev`: install (server-side apply, protobuf
// release Secrets), list, status, upgrade, rollback and uninstall of a chart
// with a ConfigMap, a Secret, a Service and a Deployment; and `helm install
// --wait` of a chart whose pods a real node agent runs, with a Job hook.
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, helm as runHelm, setupE2E, type E2E } from './harness'
import { startAgent, type Agent } from './agent'

let e: E2E
const chart = path.join(ROOT, 'test/fixtures/chart')
const appChart = path.join(ROOT, 'test/fixtures/chart-app')

beforeAll(async () => {
  e = await setupE2E()
})

afterAll(async () => {
  await e?.close()
})

const helm = (args: string[], timeoutMs?: number) => runHelm(e, args, timeoutMs)

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

describe('helm install --wait with a node agent', () => {
  let agent: Agent
  const ns = 'helm-app'

  beforeAll(async () => {
    // Over TLS (test:e2e:tls) the agent joins with the admin kubeconfig helm uses.
    agent = startAgent(e, 'helm-node', e.server.ca ? ['--tunnel', '--kubeconfig', e.kubeconfigPath] : ['--server', e.url, '--tunnel'])
    await agent.waitFor('tunnel connected')
  })

  afterAll(async () => {
    await agent?.stop()
  })

  it('returns once the Deployment is available and the post-install Job hook has completed', { timeout: 200_000 }, async () => {
    const install = await helm(['install', 'app', appChart, '-n', ns, '--create-namespace', '--wait', '--timeout', '150s'], 170_000)
    ok(install, 'helm install --wait')
    expect(install.stdout).toContain('STATUS: deployed')
    // All of this holds the moment helm returns: that is what --wait promised.
    const dep = (await getJson(`/apis/apps/v1/namespaces/${ns}/deployments/app-web`)).body
    expect(dep.status).toMatchObject({ replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: dep.metadata.generation })
    const pods = (await getJson(`/api/v1/namespaces/${ns}/pods?labelSelector=app.kubernetes.io%2Fname%3Dapp-web`)).body.items
    expect(pods.map((p: { status: { phase: string } }) => p.status.phase)).toEqual(['Running', 'Running'])
    const job = (await getJson(`/apis/batch/v1/namespaces/${ns}/jobs/app-post-install`)).body
    expect(job.metadata.annotations['helm.sh/hook']).toBe('post-install')
    expect(job.status.succeeded).toBe(1)
    expect(job.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).toContain('Complete=True')
    const [hookPod] = (await getJson(`/api/v1/namespaces/${ns}/pods?labelSelector=batch.kubernetes.io%2Fjob-name%3Dapp-post-install`)).body.items
    const log = await e.http('GET', `/api/v1/namespaces/${ns}/pods/${hookPod.metadata.name}/log`)
    expect(log.text.trim()).toBe('ready')
    const slices = (await getJson(`/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dapp-web`)).body.items
    expect(slices.flatMap((s: { endpoints: unknown[] }) => s.endpoints ?? [])).toHaveLength(2)
    const status = await helm(['status', 'app', '-n', ns])
    ok(status, 'helm status')
    expect(status.stdout).toContain('STATUS: deployed')
    ok(await helm(['uninstall', 'app', '-n', ns, '--wait'], 120_000), 'helm uninstall --wait')
    expect((await getJson(`/apis/apps/v1/namespaces/${ns}/deployments/app-web`)).status).toBe(404)
  })
  it('fails at its timeout when the pods can never be ready, and marks the release failed', { timeout: 120_000 }, async () => {
    const stuck = await helm(['install', 'stuck', appChart, '-n', 'helm-stuck', '--create-namespace', '--wait', '--timeout', '15s', '--set', 'nodeSelector.disk=none'], 90_000)
    expect(stuck.code, stuck.stdout).not.toBe(0)
    expect(stuck.stderr).toMatch(/stuck-web|not ready|deadline|timed out/i)
    const status = await helm(['status', 'stuck', '-n', 'helm-stuck'])
    expect(status.stdout).toContain('STATUS: failed')
    const dep = (await getJson('/apis/apps/v1/namespaces/helm-stuck/deployments/stuck-web')).body
    expect(dep.status.availableReplicas ?? 0).toBe(0)
    expect((await getJson('/apis/batch/v1/namespaces/helm-stuck/jobs/stuck-post-install')).status).toBe(404)
  })
})
