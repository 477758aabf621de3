#!/usr/bin/env node
// `npm run bench:soak`: a long run of mixed load with watchers, to show that
// nothing grows or decays with time: the memory of workerd (the Worker and
// its Durable Objects share the one process locally), error responses, and
// watch latency (a write's answer to its event at every watcher).
//
//   writers (SOAK_WRITERS=8) create, update, get, list and delete ConfigMaps
//   over a rotating set; watchers (SOAK_WATCHERS=20) follow the namespace;
//   once a second a marker write is timed to every watcher. Each window
//   (SOAK_WINDOW_SECONDS=60) prints a line; at the end the last window is
//   compared with the first (after SOAK_WARMUP_WINDOWS=1) and the verdicts
//   go to bench/soak.md. Runs SOAK_MINUTES=30.
//
// The bundle runs in Miniflare as `npm run bench` runs it (workerd's own
// socket, in-memory storage). Exit status 1 when a verdict fails. The V8 heap
// is read through workerd's inspector after a forced full collection (what
// RSS cannot tell: a leak from V8 sizing its heap); SOAK_HEAP_SNAPSHOTS=DIR
// also writes a heap snapshot per window for DevTools' Memory tab.
// SOAK_WATCH_TRANSPORT=websocket watches over WebSockets instead of HTTP.

import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildWorker, configMap, startMiniflare } from './lib/edgekube.mjs'
import { openLineStream, openWebSocketLines, request, summarize } from './lib/http.mjs'
import { openWorkerInspector } from './lib/inspector.mjs'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(BENCH_DIR, '..')
const num = (name, def) => {
  const v = Number(process.env[name] ?? def)
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name}=${process.env[name]} is not a positive number`)
  return v
}
const CFG = {
  minutes: num('SOAK_MINUTES', 30),
  windowSeconds: num('SOAK_WINDOW_SECONDS', 60),
  warmupWindows: Math.floor(num('SOAK_WARMUP_WINDOWS', 1)),
  writers: Math.floor(num('SOAK_WRITERS', 8)),
  watchers: Math.floor(num('SOAK_WATCHERS', 20)),
  objects: Math.floor(num('SOAK_OBJECTS', 200)),
  // http (a chunked stream, as kubectl and client-go) or websocket
  transport: process.env.SOAK_WATCH_TRANSPORT ?? 'http',
}
const NS = 'soak'
const log = (msg) => console.log(`[soak] ${msg}`)

/** RSS of the workerd processes under this one (Miniflare's runtime), in MiB. */
function workerdRssMiB() {
  let total = 0
  const walk = (pid) => {
    let children = []
    try { children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) } catch { return }
    for (const c of children) {
      try {
        const status = fs.readFileSync(`/proc/${c}/status`, 'utf8')
        if (/^Name:\s*workerd/m.test(status)) total += Number(/^VmRSS:\s*(\d+)/m.exec(status)?.[1] ?? 0) / 1024
      } catch { /* gone */ }
      walk(c)
    }
  }
  walk(process.pid)
  return total
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgekube-soak-'))
  log(`${CFG.minutes} min of ${CFG.writers} writers and ${CFG.watchers} watchers over ${CFG.objects} ConfigMaps, a line every ${CFG.windowSeconds} s`)
  const scriptPath = await buildWorker(ROOT, path.join(tmp, 'dist'), (m) => log(m))
  // SOAK_VARS='{"EDGEKUBE_HISTORY_SECONDS":"60"}': Worker variables for this run
  const inspectorPort = await freePort()
  const { mf, target } = await startMiniflare({ root: ROOT, scriptPath, log: (m) => log(m), bindings: JSON.parse(process.env.SOAK_VARS ?? '{}'), inspectorPort })
  const inspector = await openWorkerInspector(inspectorPort)
  log(`V8 heap of the worker after a full collection: ${(await inspector.heapAfterGc()).toFixed(1)} MiB (inspector on port ${inspectorPort})`)
  const agent = new http.Agent({ keepAlive: true, maxSockets: CFG.writers + 4 })
  const call = (method, p, body) => request(target, { method, path: p, body, agent })
  const base = `/api/v1/namespaces/${NS}/configmaps`
  try {
    await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } })

    let stopped = false
    let markers = 0
    // the marker: one object rewritten once a second, its value the time it was sent
    const sent = new Map()
    let window = newWindow()
    const created = await call('POST', base, configMap({ name: 'marker', labels: { soak: 'marker' } }, 200, { seq: '0' }))
    if (created.status !== 201) throw new Error(`marker: HTTP ${created.status}`)
    const watchers = []
    let watchEnds = 0
    for (let i = 0; i < CFG.watchers; i++) {
      let rv = JSON.parse(created.body).metadata.resourceVersion
      const open = async () => {
        const w = await (CFG.transport === 'websocket' ? openWebSocketLines : openLineStream)(target, {
          path: `${base}?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`,
          onLine: (line, t) => {
            const ev = JSON.parse(line)
            rv = ev.object?.metadata?.resourceVersion ?? rv
            const seq = ev.object?.metadata?.name === 'marker' ? Number(ev.object.data?.seq) : NaN
            if (sent.has(seq)) window.watchLatency.push(t - sent.get(seq))
          },
          // a stream that ends (timeout, restart) is opened again from where it was, as a reflector would
          onEnd: () => { watchEnds++; setTimeout(() => { if (!stopped) open().then((x) => { watchers[i] = x }).catch(() => {}) }, 100) },
        })
        return w
      }
      watchers.push(await open())
    }
    const deadline = Date.now() + CFG.minutes * 60_000

    const writer = async (w) => {
      for (let n = 0; !stopped; n++) {
        const name = `obj-${(w * 7919 + n) % CFG.objects}`
        const op = ['create', 'update', 'get', 'list', 'delete'][n % 5]
        const t0 = performance.now()
        let res
        try {
          if (op === 'create') res = await call('POST', base, configMap({ name, labels: { writer: String(w) } }, 400))
          else if (op === 'update') res = await call('PUT', `${base}/${name}`, configMap({ name, labels: { writer: String(w) } }, 400, { n: String(n) }))
          else if (op === 'get') res = await call('GET', `${base}/${name}`)
          else if (op === 'list') res = await call('GET', `${base}?labelSelector=writer%3D${w}&limit=50`)
          else res = await call('DELETE', `${base}/${name}`)
        } catch (e) {
          window.errors.push(`${op}: ${e.message}`)
          continue
        }
        window.requests++
        window.latency.push(performance.now() - t0)
        // 404 and 409 are the answers a shared, rotating set of names gives; anything else is an error
        if (res.status >= 400 && res.status !== 404 && res.status !== 409) window.errors.push(`${op} ${name}: HTTP ${res.status}`)
      }
    }
    const writers = Array.from({ length: CFG.writers }, (_, w) => writer(w))

    const marker = (async () => {
      for (let seq = 1; !stopped; seq++) {
        sent.set(seq, performance.now())
        const r = await call('PUT', `${base}/marker`, configMap({ name: 'marker', labels: { soak: 'marker' } }, 200, { seq: String(seq) })).catch((e) => ({ status: 0, body: e.message }))
        if (r.status !== 200) window.errors.push(`marker: HTTP ${r.status}`)
        else markers++
        if (sent.size > 600) sent.delete(seq - 600)
        await new Promise((res) => setTimeout(res, 1000))
      }
    })()

    const windows = []
    console.log('\n  min   requests  errors  p99 req ms  watch p50 ms  watch p99 ms  workerd RSS MiB  V8 heap MiB')
    while (Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, Math.min(CFG.windowSeconds * 1000, Math.max(0, deadline - Date.now()))))
      const w = window
      window = newWindow()
      const req = summarize(w.latency)
      const watch = summarize(w.watchLatency)
      const row = { minute: (windows.length + 1) * CFG.windowSeconds / 60, requests: w.requests, errors: w.errors.length, reqP99: req.p99, watchP50: watch.p50, watchP99: watch.p99, watchEvents: watch.n, rss: workerdRssMiB(), heap: await inspector.heapAfterGc(), firstError: w.errors[0] }
      windows.push(row)
      if (process.env.SOAK_HEAP_SNAPSHOTS) await inspector.snapshot(path.join(process.env.SOAK_HEAP_SNAPSHOTS, `worker-${windows.length}.heapsnapshot`))
      console.log(`  ${row.minute.toFixed(1).padStart(4)}  ${String(row.requests).padStart(9)}  ${String(row.errors).padStart(6)}  ${row.reqP99.toFixed(1).padStart(10)}  ${row.watchP50.toFixed(1).padStart(12)}  ${row.watchP99.toFixed(1).padStart(12)}  ${row.rss.toFixed(0).padStart(15)}  ${row.heap.toFixed(1).padStart(11)}${row.firstError ? `  (${row.firstError})` : ''}`)
    }
    stopped = true
    await Promise.all([...writers, marker])
    for (const w of watchers) w.close()

    const first = windows[Math.min(CFG.warmupWindows, windows.length - 1)]
    const last = windows[windows.length - 1]
    const errors = windows.reduce((a, w) => a + w.errors, 0)
    const totalEvents = windows.reduce((a, w) => a + w.watchEvents, 0)
    const rssGrowth = last.rss / first.rss
    const heapGrowth = last.heap / first.heap
    const p99Growth = last.watchP99 / first.watchP99
    const verdicts = [
      { what: 'no error responses', ok: errors === 0, detail: `${errors} errors in ${windows.reduce((a, w) => a + w.requests, 0).toLocaleString('en-US')} requests` },
      { what: 'V8 heap of the Worker and its Durable Objects flat after a full collection (last ÷ first window ≤ 1.25)', ok: heapGrowth <= 1.25, detail: `${first.heap.toFixed(1)} → ${last.heap.toFixed(1)} MiB (×${heapGrowth.toFixed(2)})` },
      { what: 'workerd memory flat (last ÷ first window ≤ 1.25)', ok: rssGrowth <= 1.25, detail: `${first.rss.toFixed(0)} → ${last.rss.toFixed(0)} MiB (×${rssGrowth.toFixed(2)})` },
      { what: 'watch latency p99 does not grow (last ÷ first window ≤ 1.5)', ok: p99Growth <= 1.5, detail: `${first.watchP99.toFixed(1)} → ${last.watchP99.toFixed(1)} ms (×${p99Growth.toFixed(2)})` },
      // the last marker may still be on its way when the run stops
      { what: 'every watcher got every marker', ok: totalEvents >= (markers - 1) * CFG.watchers, detail: `${totalEvents.toLocaleString('en-US')} of ${(markers * CFG.watchers).toLocaleString('en-US')} marker events; ${watchEnds} watch streams ended and were resumed` },
    ]
    console.log('')
    for (const v of verdicts) console.log(`  ${v.ok ? 'PASS' : 'FAIL'}  ${v.what}: ${v.detail}`)
    const md = [
      `# Soak: ${CFG.minutes} min, ${CFG.writers} writers, ${CFG.watchers} watchers, ${CFG.objects} objects`,
      '',
      `Run ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; the Worker and its Durable Objects in one workerd (Miniflare, in-memory storage).`,
      '',
      '| minute | requests | errors | request p99 ms | watch p50 ms | watch p99 ms | workerd RSS MiB | V8 heap MiB |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...windows.map((w) => `| ${w.minute.toFixed(1)} | ${w.requests} | ${w.errors} | ${w.reqP99.toFixed(1)} | ${w.watchP50.toFixed(1)} | ${w.watchP99.toFixed(1)} | ${w.rss.toFixed(0)} | ${w.heap.toFixed(1)} |`),
      '',
      ...verdicts.map((v) => `- ${v.ok ? 'PASS' : 'FAIL'}: ${v.what}: ${v.detail}`),
      '',
    ].join('\n')
    fs.writeFileSync(path.join(BENCH_DIR, 'soak.md'), md)
    log('wrote bench/soak.md')
    if (!verdicts.every((v) => v.ok)) process.exitCode = 1
  } finally {
    agent.destroy()
    inspector.close()
    await mf.dispose()
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

/** A loopback port nothing listens on now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)) })
  })
}

function newWindow() {
  return { requests: 0, latency: [], watchLatency: [], errors: [] }
}

main().catch((e) => {
  console.error(`[soak] ${e.stack ?? e.message}`)
  process.exit(1)
})
