// StatefulSets end to end: the real `wrangler dev`, two node agents (process
// runtime) and the real kubectl 1.35. Pods come up in order with their own
// claims, provisioned by the built-in local-path provisioner on the node
// that runs them, and what a pod wrote to its volume is there for the pod
// that replaces it. A DaemonSet puts a pod on every node, and on a node
// that joins later.
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, parseTable, setupE2E, type E2E } from './harness'
import { startAgent, type Agent } from './agent'

const NS = 'sets-e2e'
let e: E2E
const agents: Agent[] = []

beforeAll(async () => {
  e = await setupE2E()
  for (const name of ['sets-node-a', 'sets-node-b']) agents.push(startAgent(e, name, ['--server', e.url, '--tunnel']))
  await Promise.all(agents.map((a) => a.waitFor('tunnel connected')))
  ok(await e.kubectl(['create', 'namespace', NS]), 'namespace')
})

afterAll(async () => {
  for (const a of agents) await a.stop()
  await e?.close()
})

function ok(r: { code: number | null; stdout: string; stderr: string }, what: string): string {
  if (r.code !== 0) throw new Error(`${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

const k = (args: string[], timeoutMs?: number) => e.kubectl(['-n', NS, ...args], timeoutMs ? { timeoutMs } : undefined)
const json = async (args: string[]) => JSON.parse(ok(await k([...args, '-o', 'json']), args.join(' ')))

// Each start counts itself in a file on the pod's volume: a count above 1 was written by an earlier pod.
const STATEFULSET = `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: busybox
        command: [sh, -c, 'n=$(cat "$EDGEKUBE_VOLUME_DATA/starts" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$EDGEKUBE_VOLUME_DATA/starts"; echo "$HOSTNAME start $n"; exec sleep 3600']
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Mi}}
`

describe('StatefulSets with kubectl', () => {
  it('comes up in order as web-0, web-1, web-2, each with its bound claim, and data survives a pod deletion', { timeout: 240_000 }, async () => {
    const watch = e.watch(`/api/v1/namespaces/${NS}/pods?watch=true&labelSelector=app%3Dweb`)
    try {
      ok(await e.kubectl(['-n', NS, 'apply', '-f', '-'], { input: STATEFULSET }), 'apply')
      const out = ok(await k(['rollout', 'status', 'statefulset/web', '--timeout=120s'], 130_000), 'rollout status')
      // kubectl words it so for any RollingUpdate set, whose partition defaults to 0.
      expect(out).toContain('partitioned roll out complete: 3 new pods have been updated...')
      // OrderedReady: each pod is created only once the one before it is ready.
      const readyAt = new Map<string, number>()
      const createdAt = new Map<string, number>()
      for (const [i, ev] of watch.events.entries()) {
        const name = ev.object?.metadata?.name
        if (ev.type === 'ADDED' && !createdAt.has(name)) createdAt.set(name, i)
        const ready = (ev.object?.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')
        if (ready && !readyAt.has(name)) readyAt.set(name, i)
      }
      expect([...createdAt.keys()]).toEqual(['web-0', 'web-1', 'web-2'])
      expect(createdAt.get('web-1')!).toBeGreaterThan(readyAt.get('web-0')!)
      expect(createdAt.get('web-2')!).toBeGreaterThan(readyAt.get('web-1')!)
    } finally {
      watch.close()
    }

    const claims = parseTable(ok(await k(['get', 'pvc']), 'get pvc'))
    expect(claims.map((c) => [c.NAME, c.STATUS, c.STORAGECLASS])).toEqual([
      ['data-web-0', 'Bound', 'local-path'], ['data-web-1', 'Bound', 'local-path'], ['data-web-2', 'Bound', 'local-path'],
    ])
    const before = await json(['get', 'pod', 'web-0'])
    const claim = await json(['get', 'pvc', 'data-web-0'])
    const pv = JSON.parse(ok(await e.kubectl(['get', 'pv', claim.spec.volumeName, '-o', 'json']), 'get pv'))
    // The volume is a directory on the node that runs the pod, under that agent's state folder.
    const agent = agents.find((a) => a.name === before.spec.nodeName)!
    expect(pv.spec.hostPath.path.startsWith(`${agent.stateDir}/local-path/`)).toBe(true)
    expect(fs.readFileSync(`${pv.spec.hostPath.path}/starts`, 'utf8').trim()).toBe('1')
    expect(ok(await k(['logs', 'web-0']), 'logs').trim()).toBe('web-0 start 1')

    ok(await k(['delete', 'pod', 'web-0']), 'delete pod')
    await eventually(async () => {
      const p = await json(['get', 'pod', 'web-0'])
      return p.metadata.uid !== before.metadata.uid && p.status.phase === 'Running' && (await k(['logs', 'web-0'])).stdout.includes('start')
    }, 90_000, 'web-0 to come back')
    const after = await json(['get', 'pod', 'web-0'])
    expect(after.spec.nodeName).toBe(before.spec.nodeName)
    expect(ok(await k(['logs', 'web-0']), 'logs').trim()).toBe('web-0 start 2')
    expect((await json(['get', 'pvc', 'data-web-0'])).spec.volumeName).toBe(claim.spec.volumeName)
  })

  it('scales down from the highest ordinal and rolls a new template out from the top', { timeout: 240_000 }, async () => {
    ok(await k(['scale', 'statefulset/web', '--replicas=2']), 'scale')
    await eventually(async () => (await json(['get', 'pods', '-l', 'app=web'])).items.map((p: { metadata: { name: string } }) => p.metadata.name).join() === 'web-0,web-1', 60_000, 'web-2 to go')
    // Its claim stays (whenScaled: Retain).
    expect(parseTable(ok(await k(['get', 'pvc']), 'get pvc')).map((c) => c.NAME)).toContain('data-web-2')
    ok(await k(['set', 'env', 'statefulset/web', 'GREETING=hello']), 'set env')
    ok(await k(['rollout', 'status', 'statefulset/web', '--timeout=120s'], 130_000), 'rollout status')
    const history = ok(await k(['rollout', 'history', 'statefulset/web']), 'history')
    expect(parseTable(history.split('\n').slice(1).join('\n')).map((r) => r.REVISION)).toEqual(['1', '2'])
    const sts = await json(['get', 'statefulset', 'web'])
    expect(sts.status).toMatchObject({ replicas: 2, readyReplicas: 2, updatedReplicas: 2, currentRevision: sts.status.updateRevision })
    ok(await k(['rollout', 'undo', 'statefulset/web']), 'undo')
    ok(await k(['rollout', 'status', 'statefulset/web', '--timeout=120s'], 130_000), 'rollout status after undo')
    expect((await json(['get', 'statefulset', 'web'])).spec.template.spec.containers[0].env).toBeUndefined()
  })
})

const DAEMONSET = `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logger}
spec:
  selector: {matchLabels: {app: logger}}
  template:
    metadata: {labels: {app: logger}}
    spec:
      containers:
      - name: app
        image: busybox
        command: [sh, -c, 'echo "on $NODE"; exec sleep 3600']
        env: [{name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}]
`

describe('DaemonSets with kubectl', () => {
  it('puts one pod on each node, and one on a node that joins later', { timeout: 240_000 }, async () => {
    ok(await e.kubectl(['-n', NS, 'apply', '-f', '-'], { input: DAEMONSET }), 'apply')
    expect(ok(await k(['rollout', 'status', 'daemonset/logger', '--timeout=90s'], 100_000), 'rollout status')).toContain('daemon set "logger" successfully rolled out')
    const nodesOf = async () => (await json(['get', 'pods', '-l', 'app=logger'])).items.filter((p: { status: { phase: string } }) => p.status.phase === 'Running').map((p: { spec: { nodeName: string } }) => p.spec.nodeName).sort()
    expect(await nodesOf()).toEqual(['sets-node-a', 'sets-node-b'])

    const late = startAgent(e, 'sets-node-c', ['--server', e.url, '--tunnel'])
    agents.push(late)
    await late.waitFor('tunnel connected')
    await eventually(async () => (await nodesOf()).join() === 'sets-node-a,sets-node-b,sets-node-c', 90_000, 'a daemon on the new node')
    const pod = (await json(['get', 'pods', '-l', 'app=logger', '--field-selector=spec.nodeName=sets-node-c'])).items[0]
    await eventually(async () => (await k(['logs', pod.metadata.name])).stdout.trim() === 'on sets-node-c', 30_000, 'the daemon on sets-node-c to log')
    const table = parseTable(ok(await k(['get', 'daemonset', 'logger']), 'get ds'))
    expect(table[0]).toMatchObject({ NAME: 'logger', DESIRED: '3', CURRENT: '3', READY: '3', 'UP-TO-DATE': '3', AVAILABLE: '3' })
  })
})
