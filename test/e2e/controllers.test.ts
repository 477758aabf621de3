// The built-in controllers against a real `wrangler dev`, seen through kubectl
// 1.35: two fake nodes registered over plain HTTP (a Node with its status and
// a Lease this test renews, as the node agent would), the scheduler binding
// pods to them, Endpoints following pods, and a node whose Lease stops
// becoming NotReady, tainted, its pods evicted, then coming back. The node
// grace period and default eviction time are shortened through Worker vars.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { create, eventually, parseTable, setupE2E, type E2E } from './harness'

let e: E2E
let renewer: ReturnType<typeof setInterval> | undefined
const NODES = ['edge-a', 'edge-b']
const renewing = new Set(NODES)

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z')
const microTime = () => new Date().toISOString().replace(/Z$/, '000Z')

function nodeObject(name: string, ip: string) {
  const alloc = { cpu: '2', memory: '4Gi', pods: '110' }
  const t = now()
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } },
    spec: {},
    status: {
      capacity: alloc, allocatable: alloc,
      addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: t, lastTransitionTime: t }],
      nodeInfo: { kubeletVersion: 'v1.35.0', osImage: 'test', kernelVersion: 'test', containerRuntimeVersion: 'process://1', operatingSystem: 'linux', architecture: 'amd64' },
    },
  }
}

const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases'

async function renew(name: string) {
  const r = await e.http('PATCH', `${LEASES}/${name}`, { spec: { renewTime: microTime() } }, { 'content-type': 'application/merge-patch+json' })
  if (r.status === 404) {
    await create(e, LEASES, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime() } })
  }
}

/** What the agent does when it is back: post Ready with a fresh heartbeat. */
async function postReady(name: string) {
  const t = now()
  const r = await e.http('PATCH', `/api/v1/nodes/${name}/status`, { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: t, lastTransitionTime: t }] } }, { 'content-type': 'application/strategic-merge-patch+json' })
  expect(r.status, r.text).toBe(200)
}

async function kubectlOk(args: string[]) {
  const r = await e.kubectl(args)
  expect(r.code, `kubectl ${args.join(' ')}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0)
  return r.stdout
}

const getJson = async (path: string) => (await e.http('GET', path)).json as any // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  e = await setupE2E({ vars: { EDGEKUBE_NODE_GRACE_SECONDS: '5', EDGEKUBE_POD_EVICTION_SECONDS: '2' } })
  await create(e, '/api/v1/nodes', nodeObject('edge-a', '10.0.0.11'))
  await create(e, '/api/v1/nodes', nodeObject('edge-b', '10.0.0.12'))
  for (const n of NODES) await renew(n)
  renewer = setInterval(() => {
    for (const n of renewing) void renew(n).catch(() => undefined)
  }, 1000)
})

afterAll(async () => {
  if (renewer) clearInterval(renewer)
  await e?.close()
})

describe('scheduler', () => {
  it('kubectl get nodes shows both nodes Ready', async () => {
    const rows = parseTable(await kubectlOk(['get', 'nodes', '-o', 'wide']))
    expect(rows.map((r) => [r.NAME, r.STATUS]).sort()).toEqual([['edge-a', 'Ready'], ['edge-b', 'Ready']])
  })

  it('binds a plain pod to a node: get pods -o wide shows the node, describe shows the Scheduled event', async () => {
    await kubectlOk(['run', 'web', '--image=nginx', '--restart=Never', '--labels=app=web'])
    const row = await eventually(async () => {
      const r = parseTable(await kubectlOk(['get', 'pods', '-o', 'wide'])).find((x) => x.NAME === 'web')
      return r && NODES.includes(r.NODE) ? r : undefined
    }, 20_000, 'the pod to be bound')
    const described = await eventually(async () => {
      const out = await kubectlOk(['describe', 'pod', 'web'])
      return out.includes('Scheduled') ? out : undefined
    }, 10_000, 'the Scheduled event')
    expect(described).toMatch(new RegExp(`Node:\\s+${row.NODE}/`))
    expect(described).toMatch(new RegExp(`Normal\\s+Scheduled\\s+\\S+\\s+default-scheduler\\s+Successfully assigned default/web to ${row.NODE}`))
    expect(described).toMatch(/PodScheduled\s+True/)
  })

  it('spreads pods over both nodes', async () => {
    await kubectlOk(['run', 'web-2', '--image=nginx', '--restart=Never', '--labels=app=web'])
    const nodes = await eventually(async () => {
      const rows = parseTable(await kubectlOk(['get', 'pods', '-l', 'app=web', '-o', 'wide']))
      return rows.length === 2 && rows.every((r) => NODES.includes(r.NODE)) ? rows.map((r) => r.NODE).sort() : undefined
    }, 20_000, 'both pods bound')
    expect(nodes).toEqual(['edge-a', 'edge-b'])
  })

  it('reports an unschedulable pod and binds it once a node fits', async () => {
    await kubectlOk(['run', 'picky', '--image=nginx', '--restart=Never', '--overrides={"apiVersion":"v1","spec":{"nodeSelector":{"disk":"ssd"}}}'])
    const described = await eventually(async () => {
      const out = await kubectlOk(['describe', 'pod', 'picky'])
      return out.includes('FailedScheduling') ? out : undefined
    }, 20_000, 'the FailedScheduling event')
    expect(described).toContain("0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.")
    expect(described).toMatch(/PodScheduled\s+False/)
    await kubectlOk(['label', 'node', 'edge-b', 'disk=ssd'])
    await eventually(async () => (await getJson('/api/v1/namespaces/default/pods/picky')).spec.nodeName === 'edge-b', 20_000, 'picky on edge-b')
  })
})

describe('endpoints', () => {
  it('kubectl get endpoints and endpointslices follow the ready pods of a service', async () => {
    await kubectlOk(['create', 'service', 'clusterip', 'web', '--tcp=80:8080'])
    // kubectl create service selects app=web: the two pods above. Give them IPs and readiness as an agent would.
    for (const [name, ip] of [['web', '10.0.0.11'], ['web-2', '10.0.0.12']]) {
      const pod = await getJson(`/api/v1/namespaces/default/pods/${name}`)
      const r = await e.http('PUT', `/api/v1/namespaces/default/pods/${name}/status`, { ...pod, status: { ...pod.status, phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: name === 'web' ? 'True' : 'False', lastTransitionTime: now() }] } })
      expect(r.status, r.text).toBe(200)
    }
    const row = await eventually(async () => {
      const r = parseTable(await kubectlOk(['get', 'endpoints', 'web'])).find((x) => x.NAME === 'web')
      return r?.ENDPOINTS === '10.0.0.11:8080' ? r : undefined
    }, 20_000, 'the Endpoints')
    expect(row.ENDPOINTS).toBe('10.0.0.11:8080')
    const slices = parseTable(await kubectlOk(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']))
    expect(slices).toHaveLength(1)
    expect(slices[0]).toMatchObject({ ADDRESSTYPE: 'IPv4', PORTS: '8080', ENDPOINTS: '10.0.0.11,10.0.0.12' })
    expect(slices[0].NAME).toMatch(/^web-[a-z0-9]{5}$/)
    const ep = await getJson('/api/v1/namespaces/default/endpoints/web')
    expect(ep.subsets[0].notReadyAddresses.map((a: { ip: string }) => a.ip)).toEqual(['10.0.0.12'])
  })
})

describe('node lifecycle', () => {
  it('a node whose lease stops goes NotReady with the unreachable taint, its pods are evicted, and it comes back', async () => {
    // A pod on edge-b with a short grace period, so its eviction completes quickly.
    await create(e, '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'doomed' }, spec: { nodeName: 'edge-b', terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'nginx' }] } })
    await create(e, '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'tolerant' }, spec: { nodeName: 'edge-b', tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }], containers: [{ name: 'c', image: 'nginx' }] } })
    renewing.delete('edge-b')
    await eventually(async () => parseTable(await kubectlOk(['get', 'nodes'])).find((r) => r.NAME === 'edge-b')?.STATUS === 'NotReady', 30_000, 'edge-b NotReady')
    const node = await getJson('/api/v1/nodes/edge-b')
    expect(node.status.conditions.find((c: { type: string }) => c.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' })
    const described = await kubectlOk(['describe', 'node', 'edge-b'])
    expect(described).toMatch(/Taints:\s+node\.kubernetes\.io\/unreachable:NoExecute/)
    expect(described).toContain('node.kubernetes.io/unreachable:NoSchedule')
    expect(parseTable(await kubectlOk(['get', 'nodes'])).find((r) => r.NAME === 'edge-a')?.STATUS).toBe('Ready')
    // Evicted after the (shortened) default toleration; gone once its grace period is over.
    await eventually(async () => (await e.http('GET', '/api/v1/namespaces/default/pods/doomed')).status === 404, 30_000, 'doomed evicted and removed')
    const tolerant = await getJson('/api/v1/namespaces/default/pods/tolerant')
    expect(tolerant.metadata.deletionTimestamp).toBeUndefined()
    expect(tolerant.spec.nodeName).toBe('edge-b')

    // The agent is back: it renews its lease and posts Ready; the taints go.
    renewing.add('edge-b')
    await renew('edge-b')
    await postReady('edge-b')
    await eventually(async () => {
      const n = await getJson('/api/v1/nodes/edge-b')
      return n.status.conditions.find((c: { type: string }) => c.type === 'Ready')?.status === 'True' && !(n.spec.taints ?? []).length
    }, 20_000, 'edge-b Ready without taints')
    expect(parseTable(await kubectlOk(['get', 'nodes'])).find((r) => r.NAME === 'edge-b')?.STATUS).toBe('Ready')
  }, 120_000)
})

describe('restart', () => {
  it('keeps scheduling after the server restarts: all controller state is in the store', async () => {
    await e.server.restart()
    // The agents post their status again once the server is back (a restart may outlast the 5 s grace).
    for (const n of NODES) {
      await renew(n)
      await postReady(n)
    }
    await kubectlOk(['run', 'after-restart', '--image=nginx', '--restart=Never'])
    await eventually(async () => NODES.includes((await getJson('/api/v1/namespaces/default/pods/after-restart')).spec.nodeName), 20_000, 'after-restart bound')
    const described = await eventually(async () => {
      const out = await kubectlOk(['describe', 'pod', 'after-restart'])
      return out.includes('Scheduled') ? out : undefined
    }, 10_000, 'the Scheduled event')
    expect(described).toMatch(/Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/after-restart to edge-[ab]/)
  }, 120_000)
})
