// kubectl top against a real `wrangler dev` and two node agents (one direct,
// one over its tunnel): metrics.k8s.io answers from what the agents measure
// of their pods' processes, so a pod burning a CPU is on top.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { create, eventually, freePort, namespace, parseTable, setupE2E, type E2E } from './harness'
import { startAgent, type Agent } from './agent'

const NS = 'top-e2e'
let e: E2E
const agents: Agent[] = []

const pod = (name: string, nodeName: string, command: string[], labels: Record<string, string> = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels },
  spec: { nodeName, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command }] },
})

beforeAll(async () => {
  e = await setupE2E()
  await create(e, '/api/v1/namespaces', namespace(NS))
  const direct = startAgent(e, 'top-direct', ['--server', e.url, '--port', String(await freePort())])
  const tunnel = startAgent(e, 'top-tunnel', ['--server', e.url, '--port', String(await freePort()), '--tunnel'])
  agents.push(direct, tunnel)
  await Promise.all([direct.waitFor('kubelet API listening'), tunnel.waitFor('tunnel connected')])
  await create(e, `/api/v1/namespaces/${NS}/pods`, pod('burner', 'top-tunnel', ['sh', '-c', 'while :; do :; done'], { role: 'burn' }))
  await create(e, `/api/v1/namespaces/${NS}/pods`, pod('idle', 'top-direct', ['sleep', '3600'], { role: 'idle' }))
  await create(e, `/api/v1/namespaces/${NS}/pods`, pod('idle2', 'top-tunnel', ['sleep', '3600'], { role: 'idle' }))
  for (const name of ['burner', 'idle', 'idle2']) {
    await eventually(async () => (await e.http('GET', `/api/v1/namespaces/${NS}/pods/${name}`)).json.status?.phase === 'Running', 30_000, `${name} to run`)
  }
}, 120_000)

afterAll(async () => {
  for (const a of agents) await a.stop().catch(() => {})
  await e?.close()
})

/** CPU in millicores as kubectl top prints it ("950m", "1"). */
const millicores = (s: string) => (s.endsWith('m') ? Number(s.slice(0, -1)) : Number(s) * 1000)

describe('kubectl top', () => {
  it('kubectl top pods --sort-by=cpu shows the burner on top', async () => {
    let rows: Record<string, string>[] = []
    await eventually(async () => {
      const r = await e.kubectl(['top', 'pods', '-n', NS, '--sort-by=cpu'])
      if (r.code !== 0) return false
      rows = parseTable(r.stdout)
      return rows.length === 3 && rows[0].NAME === 'burner' && millicores(rows[0]['CPU(cores)']) >= 500
    }, 60_000, 'kubectl top pods to show the burner on top')
    expect(rows.map((r) => r.NAME)).toEqual(expect.arrayContaining(['burner', 'idle', 'idle2']))
    expect(millicores(rows[1]['CPU(cores)'])).toBeLessThan(100)
    for (const r of rows) expect(r['MEMORY(bytes)']).toMatch(/^\d+Mi$/)
    const burner = await e.kubectl(['top', 'pod', 'burner', '-n', NS, '--containers'])
    expect(burner.code, burner.stderr).toBe(0)
    expect(parseTable(burner.stdout)[0]).toMatchObject({ POD: 'burner', NAME: 'c' })
    const selected = await e.kubectl(['top', 'pods', '-n', NS, '-l', 'role=idle', '--no-headers'])
    expect(selected.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]).sort()).toEqual(['idle', 'idle2'])
  })

  it('kubectl top nodes shows both nodes, the burner\'s busier', async () => {
    let rows: Record<string, string>[] = []
    await eventually(async () => {
      const r = await e.kubectl(['top', 'nodes'])
      if (r.code !== 0) return false
      rows = parseTable(r.stdout)
      return rows.length === 2
    }, 60_000, 'kubectl top nodes to show both nodes')
    expect(rows.map((r) => r.NAME).sort()).toEqual(['top-direct', 'top-tunnel'])
    for (const r of rows) {
      expect(millicores(r['CPU(cores)'])).toBeGreaterThan(0)
      expect(r['CPU(%)']).toMatch(/^\d+%$/)
      expect(r['MEMORY(bytes)']).toMatch(/^\d+Mi$/)
    }
  })

  it('the API answers as metrics-server does', async () => {
    const list = await e.http('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods`)
    expect(list.status).toBe(200)
    expect(list.json.kind).toBe('PodMetricsList')
    const burner = list.json.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'burner')
    expect(burner).toMatchObject({ metadata: { namespace: NS, labels: { role: 'burn' } }, containers: [{ name: 'c', usage: { cpu: expect.stringMatching(/^\d+(n|u|m)?$/), memory: expect.stringMatching(/^\d+(Ki|Mi)?$/) } }] })
    expect(burner.window).toMatch(/^\d+(\.\d+)?s$/)
    const one = await e.http('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods/burner`)
    expect(one.json).toMatchObject({ kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1', metadata: { name: 'burner' } })
    const missing = await e.http('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods/nope`)
    expect(missing.status).toBe(404)
    expect(missing.json.message).toBe(`podmetrics.metrics.k8s.io "${NS}/nope" not found`)
    const node = await e.http('GET', '/apis/metrics.k8s.io/v1beta1/nodes/top-direct')
    expect(node.json).toMatchObject({ kind: 'NodeMetrics', metadata: { name: 'top-direct' }, usage: { cpu: expect.any(String), memory: expect.any(String) } })
    const table = await e.kubectl(['get', 'podmetrics', '-n', NS, 'burner'])
    expect(table.code, table.stderr).toBe(0)
    expect(parseTable(table.stdout)[0]).toMatchObject({ NAME: 'burner', WINDOW: expect.stringMatching(/s$/) })
  })

  it('the tunnel connection shows in /metrics', async () => {
    const r = await e.http('GET', '/metrics', undefined, { accept: 'text/plain' })
    expect(r.text).toMatch(/^edgekube_tunnel_connections 1$/m)
  })
})
