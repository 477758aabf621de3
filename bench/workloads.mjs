#!/usr/bin/env node
// `npm run bench:workloads`: how the workload controllers scale. For each
// size N (default 125, 250, 500) a fresh edgekube (the deploy bundle in
// Miniflare, as `npm run bench`) gets 20 simulated nodes and N Deployments of
// 2 replicas; the clock runs from the first create until every Deployment
// reports 2 available replicas and every pod is Running. Reported per size:
// time to convergence, pods per second, and the controllers' calls into the
// store per pod (from GET /debug/controllers); and the growth of time and of
// requests per pod as N doubles, which for controllers that scale is ~2× and
// ~1× (linear work, constant per-pod cost).
//
// The simulated nodes are what kubemark's hollow nodes are: a Node object and
// its Lease renewed every 10 s, and a "kubelet" that watches the pods bound to
// its nodes and reports each Running and Ready at once (no processes run).
//
// Knobs (environment): BENCH_SIZES=125,250,500  BENCH_NODES=20
//   BENCH_REPLICAS=2  BENCH_CREATE_CONCURRENCY=16  BENCH_KUBELET_CONCURRENCY=16
//   BENCH_TIMEOUT_SECONDS=900
// Writes bench/workloads.md.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { buildWorker, startMiniflare } from './lib/edgekube.mjs'
import { expectOk, openLineStream, pool, request, snippet } from './lib/http.mjs'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(BENCH_DIR, '..')
const RESULTS = path.join(BENCH_DIR, 'workloads.md')

const int = (name, def) => {
  const v = Number(process.env[name] ?? def)
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}=${process.env[name]} is not a positive integer`)
  return v
}
const CFG = {
  sizes: (process.env.BENCH_SIZES ?? '125,250,500').split(',').map((s) => {
    const n = Number(s.trim())
    if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_SIZES: ${s} is not a positive integer`)
    return n
  }),
  nodes: int('BENCH_NODES', 20),
  replicas: int('BENCH_REPLICAS', 2),
  createConcurrency: int('BENCH_CREATE_CONCURRENCY', 16),
  kubeletConcurrency: int('BENCH_KUBELET_CONCURRENCY', 16),
  timeoutMs: int('BENCH_TIMEOUT_SECONDS', 900) * 1000,
}

const T0 = performance.now()
const elapsed = () => `${((performance.now() - T0) / 1000).toFixed(1).padStart(6)}s`
const say = (msg) => console.log(`[${elapsed()}] ${msg}`)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const rfc3339 = (ms = Date.now()) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
const microTime = () => new Date().toISOString().replace(/Z$/, '000Z')

// ---------------------------------------------------------------------------
// Simulated nodes

const nodeName = (i) => `hollow-${String(i).padStart(3, '0')}`

async function registerNodes(target, count) {
  await pool(count, 8, async (i) => {
    const name = nodeName(i)
    const now = rfc3339()
    await expectOk(target, {
      method: 'POST', path: '/api/v1/nodes',
      body: {
        apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' } },
        spec: {},
        status: {
          capacity: { cpu: '32', memory: '128Gi', pods: '110' }, allocatable: { cpu: '32', memory: '128Gi', pods: '110' },
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated', lastHeartbeatTime: now, lastTransitionTime: now }],
          addresses: [{ type: 'InternalIP', address: `10.250.0.${i + 1}` }],
        },
      },
    })
    await expectOk(target, {
      method: 'POST', path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime() } },
    })
  })
}

/** Renews every node's Lease every 10 s, as the kubelet does, until stopped. */
function heartbeat(target, count) {
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      await sleep(10_000)
      if (stopped) break
      await pool(count, 4, async (i) => {
        const body = { spec: { renewTime: microTime() } }
        const r = await request(target, { method: 'PATCH', path: `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${nodeName(i)}`, headers: { 'content-type': 'application/merge-patch+json' }, body })
        if (r.status !== 200) say(`WARNING: lease renewal of ${nodeName(i)} -> HTTP ${r.status}: ${snippet(r.body, 200)}`)
      })
    }
  })()
  return async () => { stopped = true; await loop }
}

/**
 * The hollow kubelet: watches pods and reports each one bound to a simulated
 * node Running and Ready, with a bounded number of status writes in flight.
 */
async function hollowKubelet(target, ns, nodes) {
  const mine = new Set(Array.from({ length: nodes }, (_, i) => nodeName(i)))
  const reported = new Set()
  const queue = []
  let inFlight = 0
  let ip = 0
  const writes = { ok: 0, failed: 0 }
  const pump = () => {
    while (inFlight < CFG.kubeletConcurrency && queue.length) {
      const pod = queue.shift()
      inFlight++
      const now = rfc3339()
      ip++
      const body = {
        status: {
          phase: 'Running', hostIP: '10.250.0.1', podIP: `10.244.${(ip >> 8) & 255}.${ip & 255}`, startTime: now,
          conditions: [
            { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: now },
            { type: 'Initialized', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status: 'True', lastTransitionTime: now },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
            { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
          ],
          containerStatuses: pod.spec.containers.map((c) => ({ name: c.name, image: c.image, imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } } })),
        },
      }
      request(target, { method: 'PATCH', path: `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/status`, headers: { 'content-type': 'application/merge-patch+json' }, body })
        .then((r) => {
          if (r.status === 200) writes.ok++
          else { writes.failed++; if (r.status !== 404) reported.delete(pod.metadata.uid) }
        })
        .catch(() => { writes.failed++; reported.delete(pod.metadata.uid) })
        .finally(() => { inFlight--; pump() })
    }
  }
  const stream = await openLineStream(target, {
    path: `/api/v1/namespaces/${ns}/pods?watch=1&allowWatchBookmarks=false`,
    headers: { 'accept-encoding': 'identity' },
    onLine(line) {
      const ev = JSON.parse(line)
      const pod = ev.object
      if (ev.type === 'DELETED' || ev.type === 'ERROR' || !pod?.spec?.nodeName || !mine.has(pod.spec.nodeName)) return
      if (pod.status?.phase === 'Running' || reported.has(pod.metadata.uid) || pod.metadata.deletionTimestamp) return
      reported.add(pod.metadata.uid)
      queue.push(pod)
      pump()
    },
  })
  return { writes, stop: () => stream.close() }
}

// ---------------------------------------------------------------------------
// One size

const deployment = (name) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: {
    replicas: CFG.replicas, selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } },
  },
})

async function controllerStats(target) {
  const r = await expectOk(target, { path: '/debug/controllers' })
  return JSON.parse(r.body)
}

const sum = (o) => Object.values(o ?? {}).reduce((a, b) => a + b, 0)

async function runSize(scriptPath, n) {
  say(`--- ${n} Deployments x ${CFG.replicas} replicas on ${CFG.nodes} simulated nodes: starting a fresh edgekube`)
  const { mf, target } = await startMiniflare({ root: ROOT, scriptPath, log: (m) => say(`  ${m}`) })
  try {
    const ns = `bench-wl`
    await expectOk(target, { method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } })
    await registerNodes(target, CFG.nodes)
    const stopHeartbeat = heartbeat(target, CFG.nodes)
    const kubelet = await hollowKubelet(target, ns, CFG.nodes)
    // Let the controllers see the nodes and the namespace before the clock starts.
    await sleep(2000)
    const before = await controllerStats(target)
    const t0 = performance.now()
    let created = 0
    await pool(n, CFG.createConcurrency, async (i) => {
      await expectOk(target, { method: 'POST', path: `/apis/apps/v1/namespaces/${ns}/deployments`, body: deployment(`app-${String(i).padStart(4, '0')}`) })
      created++
    })
    const createdAt = performance.now() - t0
    say(`  ${created} Deployments created in ${(createdAt / 1000).toFixed(1)} s; waiting for ${n * CFG.replicas} pods to run`)
    const want = n * CFG.replicas
    let last = ''
    let lastLog = 0
    for (;;) {
      const [deps, pods] = await Promise.all([
        expectOk(target, { path: `/apis/apps/v1/namespaces/${ns}/deployments`, timeoutMs: 60_000 }),
        expectOk(target, { path: `/api/v1/namespaces/${ns}/pods`, timeoutMs: 60_000 }),
      ])
      const items = JSON.parse(deps.body).items
      const available = items.filter((d) => d.status?.availableReplicas === CFG.replicas && d.status?.observedGeneration === d.metadata.generation).length
      const podItems = JSON.parse(pods.body).items
      const running = podItems.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp).length
      const bound = podItems.filter((p) => p.spec?.nodeName).length
      last = `${available}/${n} Deployments available, pods: ${podItems.length} created, ${bound} bound, ${running} running`
      if (available === n && running === want && podItems.length === want) break
      if (performance.now() - t0 > CFG.timeoutMs) throw new Error(`no convergence within ${CFG.timeoutMs / 1000} s: ${last}`)
      if (performance.now() - lastLog > 5000) { say(`  ${last}`); lastLog = performance.now() }
      await sleep(500)
    }
    const seconds = (performance.now() - t0) / 1000
    const after = await controllerStats(target)
    const storeRequests = {}
    for (const [c, v] of Object.entries(after.storeRequests)) storeRequests[c] = v - (before.storeRequests[c] ?? 0)
    const total = sum(storeRequests)
    say(`  converged in ${seconds.toFixed(1)} s: ${last}; controllers made ${total} store requests (${(total / want).toFixed(1)} per pod): ${JSON.stringify(storeRequests)}; kubelet status writes ${kubelet.writes.ok} ok, ${kubelet.writes.failed} failed`)
    kubelet.stop()
    await stopHeartbeat()
    return { n, pods: want, seconds, createSeconds: createdAt / 1000, storeRequests, total, perPod: total / want, passes: after.passes - before.passes }
  } finally {
    await mf.dispose()
  }
}

// ---------------------------------------------------------------------------

function report(results) {
  const gitRev = (() => { try { return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim() } catch { return 'unknown' } })()
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  const rows = results.map((r, i) => {
    const prev = results[i - 1]
    const growth = prev ? `${(r.seconds / prev.seconds).toFixed(2)}× time, ${(r.perPod / prev.perPod).toFixed(2)}× requests per pod (for ${(r.n / prev.n).toFixed(1)}× the Deployments)` : '–'
    const byController = Object.entries(r.storeRequests).filter(([, v]) => v > 0).map(([c, v]) => `${c} ${(v / r.pods).toFixed(1)}`).join(', ')
    return `| ${r.n} | ${r.pods} | ${r.seconds.toFixed(1)} s | ${(r.pods / r.seconds).toFixed(1)} | ${r.perPod.toFixed(1)} (${byController}) | ${r.passes} | ${growth} |`
  })
  const text = `# edgekube workload controllers benchmark

Written by \`npm run bench:workloads\` (bench/workloads.mjs) on ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}; each run overwrites this file.

| Deployments | pods | time to all Running and available | pods/s | controllers' store requests per pod | controller passes | growth from the row above |
|---:|---:|---:|---:|---|---:|---|

${rows.join('\n')}

## Set-up

- Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}; the load generator, the hollow kubelet and workerd share these cores.
- edgekube ${gitRev}: the bundle of \`wrangler deploy --dry-run\` in Miniflare, a fresh instance (empty store) per row.
- ${CFG.nodes} simulated nodes (Node objects, Leases renewed every 10 s); a hollow kubelet watches the namespace's pods and reports each pod bound to one of them Running and Ready (at most ${CFG.kubeletConcurrency} status writes in flight).
- The clock starts at the first POST of a Deployment (${CFG.createConcurrency} in flight) and stops when every Deployment has ${CFG.replicas} available replicas at its generation and all pods are Running.
- Store requests: calls from the Controllers Durable Object into the store shards during that time, from \`GET /debug/controllers\` (per controller: workloads = the informer-fed controllers of kube-controller-manager; scheduler; endpoints; nodelifecycle).

## Reading it

- Linear growth means the time ratio follows the size ratio (2× the Deployments, ~2× the time) and the requests per pod stay flat: the controllers do a constant amount of store work per pod, from watch-fed caches, not by relisting everything each pass.
`
  fs.writeFileSync(RESULTS, text.replace('|---|\n\n', '|---|\n'))
  console.log(`\n${rows.join('\n')}\n`)
  say(`wrote ${path.relative(ROOT, RESULTS)}`)
}

async function main() {
  say(`workload benchmark: sizes ${CFG.sizes.join(', ')} Deployments x ${CFG.replicas} replicas, ${CFG.nodes} simulated nodes`)
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgekube-bench-wl-'))
  try {
    const scriptPath = await buildWorker(ROOT, outdir, (m) => say(m))
    const results = []
    for (const n of CFG.sizes) results.push(await runSize(scriptPath, n))
    report(results)
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true })
  }
}

main().catch((e) => {
  console.error(`[${elapsed()}] bench:workloads failed: ${e instanceof Error ? e.stack : e}`)
  process.exit(1)
})
