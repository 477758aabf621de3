#!/usr/bin/env node
// `npm run bench:cri`: pod start latency on one node, the CRI runtime
// (containerd, busybox image) against the process runtime, in the same run.
// One edgekube (the deploy bundle in Miniflare), a private containerd
// (scripts/containerd.mjs, in a scratch folder), and two real node agents:
// one `--runtime process`, one `--runtime cri`. For each runtime in turn,
// BENCH_PODS pods (default 50) running `sleep` are created bound to its
// node (spec.nodeName, so that the scheduler is not measured), and the
// latency of each pod is the time from its create's answer to the watch
// event that shows it Running. Reported: p50, p90, max and the time until
// all are Running, per runtime (best of BENCH_ROUNDS rounds, the runtimes
// taking turns, so that a cold first round weighs on neither), and the
// CRI/process ratios. Each runtime's pods are deleted before the next runs.
//
// Knobs (environment): BENCH_PODS=50 BENCH_CREATE_CONCURRENCY=10 BENCH_ROUNDS=2
// Writes bench/cri.md.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildWorker, startMiniflare } from './lib/edgekube.mjs'
import { killProcessContainers, startAgent } from './lib/agents.mjs'
import { expectOk, openLineStream, percentile, pool, request } from './lib/http.mjs'
import { BUSYBOX_IMAGE, startContainerd } from '../scripts/containerd.mjs'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(BENCH_DIR, '..')
const RESULTS = path.join(BENCH_DIR, 'cri.md')
const int = (name, def) => {
  const v = Number(process.env[name] ?? def)
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}=${process.env[name]} is not a positive integer`)
  return v
}
const CFG = { pods: int('BENCH_PODS', 50), concurrency: int('BENCH_CREATE_CONCURRENCY', 10), rounds: int('BENCH_ROUNDS', 2) }

const T0 = performance.now()
const say = (msg) => console.log(`[${((performance.now() - T0) / 1000).toFixed(1).padStart(6)}s] ${msg}`)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const podBody = (name, node, image) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image, command: ['sleep', '3600'] }] },
})

/** Creates the pods on `node` and measures each one's create-to-Running time. */
async function measure(target, ns, node, image, label) {
  const created = new Map()
  const running = new Map()
  let allDone
  const done = new Promise((r) => { allDone = r })
  const watch = await openLineStream(target, {
    path: `/api/v1/namespaces/${ns}/pods?watch=1`,
    onLine(line, t) {
      const ev = JSON.parse(line)
      const p = ev.object
      if (p?.status?.phase === 'Running' && !running.has(p.metadata.name)) {
        running.set(p.metadata.name, t)
        if (running.size === CFG.pods) allDone()
      }
    },
  })
  const start = performance.now()
  await pool(CFG.pods, CFG.concurrency, async (i) => {
    const name = `${label}-${i}`
    await expectOk(target, { method: 'POST', path: `/api/v1/namespaces/${ns}/pods`, body: podBody(name, node, image) })
    created.set(name, performance.now())
  })
  say(`  ${label}: ${CFG.pods} pods created in ${((performance.now() - start) / 1000).toFixed(1)} s; waiting for Running`)
  const timeout = setTimeout(() => allDone(), 300_000)
  await done
  clearTimeout(timeout)
  watch.close()
  if (running.size < CFG.pods) throw new Error(`${label}: only ${running.size}/${CFG.pods} pods Running after 300 s`)
  const lat = [...created].map(([n, t]) => Math.max(0, running.get(n) - t)).sort((a, b) => a - b)
  const total = Math.max(...running.values()) - start
  return { p50: percentile(lat, 0.5), p90: percentile(lat, 0.9), max: lat[lat.length - 1], total }
}

async function deleteAll(target, ns) {
  await expectOk(target, { method: 'DELETE', path: `/api/v1/namespaces/${ns}/pods`, body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 } })
  for (let i = 0; i < 600; i++) {
    const r = await request(target, { path: `/api/v1/namespaces/${ns}/pods` })
    if (JSON.parse(r.body).items.length === 0) return
    await sleep(200)
  }
  throw new Error(`pods in ${ns} were not deleted within 120 s`)
}

async function main() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ek-bench-cri-'))
  const cleanups = []
  try {
    say(`starting a private containerd in ${scratch}/containerd`)
    let ctrd
    try {
      ctrd = await startContainerd(path.join(scratch, 'containerd'), { log: (m) => say(`  ${m}`) })
    } catch (e) {
      console.error(`containerd cannot run here, so the CRI runtime cannot be measured: ${e.message}`)
      process.exitCode = 1
      return
    }
    cleanups.push(() => ctrd.stop())
    const scriptPath = await buildWorker(ROOT, path.join(scratch, 'dist'), (m) => say(m))
    const { mf, target, url } = await startMiniflare({ root: ROOT, scriptPath, log: (m) => say(m) })
    cleanups.push(() => mf.dispose())
    say('starting the node agents (process and cri)')
    const agents = [
      await startAgent({ root: ROOT, name: 'bench-process', url, stateDir: path.join(scratch, 'agent-process') }),
      await startAgent({ root: ROOT, name: 'bench-cri', url, stateDir: path.join(scratch, 'agent-cri'), extra: ['--runtime', 'cri', '--cri-endpoint', ctrd.endpoint] }),
    ]
    for (const a of agents) cleanups.push(() => a.stop())
    // The process runtime's containers outlive its agent (the next agent adopts them); end any left.
    cleanups.push(() => killProcessContainers(path.join(scratch, 'agent-process')))
    await Promise.all(agents.map((a) => a.started))
    const results = { process: [], cri: [] }
    for (let round = 1; round <= CFG.rounds; round++) {
      for (const [runtime, node, image] of [['process', 'bench-process', 'host/sleep'], ['cri', 'bench-cri', BUSYBOX_IMAGE]]) {
        const ns = `bench-${runtime}-${round}`
        await expectOk(target, { method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } })
        say(`round ${round}, ${runtime} runtime: ${CFG.pods} pods on ${node}`)
        const r = await measure(target, ns, node, image, runtime)
        results[runtime].push(r)
        say(`  ${runtime}: p50 ${r.p50.toFixed(0)} ms, p90 ${r.p90.toFixed(0)} ms, max ${r.max.toFixed(0)} ms, all Running after ${(r.total / 1000).toFixed(2)} s`)
        say(`  deleting the ${runtime} pods`)
        await deleteAll(target, ns)
      }
    }
    const best = (rs, k) => Math.min(...rs.map((r) => r[k]))
    const row = (rt) => `| ${rt} | ${best(results[rt], 'p50').toFixed(0)} | ${best(results[rt], 'p90').toFixed(0)} | ${best(results[rt], 'max').toFixed(0)} | ${(best(results[rt], 'total') / 1000).toFixed(2)} |`
    const ratio = (k) => (best(results.cri, k) / best(results.process, k)).toFixed(2)
    const md = [
      '# Pod start latency: CRI runtime (containerd) vs process runtime',
      '',
      `\`npm run bench:cri\`, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, node ${process.version}: ${CFG.pods} pods bound to one node, created ${CFG.concurrency} at a time; latency from each create's answer to the watch event showing it Running (best of ${CFG.rounds} round${CFG.rounds > 1 ? 's' : ''}).`,
      '',
      '| runtime | p50 ms | p90 ms | max ms | all Running s |',
      '|---|---|---|---|---|',
      row('process'),
      row('cri'),
      '',
      `CRI / process: p50 ×${ratio('p50')}, p90 ×${ratio('p90')}, all Running ×${ratio('total')}.`,
      '',
    ].join('\n')
    fs.writeFileSync(RESULTS, md)
    console.log(`\n${md}`)
    say(`wrote ${path.relative(ROOT, RESULTS)}`)
  } finally {
    for (const c of cleanups.reverse()) {
      try { await c() } catch (e) { console.error(`cleanup: ${e.message}`) }
    }
    fs.rmSync(scratch, { recursive: true, force: true })
  }
}

main().catch((e) => {
  console.error(e.stack ?? e)
  process.exit(1)
})
