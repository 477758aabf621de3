#!/usr/bin/env node
// `npm run bench:streaming`: what exec and port-forward cost through the
// Worker, with one node agent reached directly and one through its reverse
// tunnel. One edgekube (the deploy bundle in Miniflare, as `npm run bench`),
// the real kubectl, two real agents (process runtime), and a pod on each
// serving BENCH_MB (default 50) megabytes over HTTP.
//  - exec round trip: a raw v5.channel.k8s.io WebSocket running `true`, from
//    the upgrade request to the close, BENCH_EXECS times in a row (p50, p90),
//    against spawning `true` on this machine;
//  - port-forward throughput: the download through `kubectl port-forward`,
//    in MB/s, against the same download straight from the pod's port (a
//    plain local TCP copy), best of BENCH_ROUNDS.
//
// Knobs (environment): BENCH_MB=50  BENCH_EXECS=50  BENCH_ROUNDS=3
// Writes bench/streaming.md.

import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildWorker, startMiniflare } from './lib/edgekube.mjs'
import { killProcessContainers, startAgent } from './lib/agents.mjs'
import { expectOk, freePort, percentile, request } from './lib/http.mjs'
import { connectWebSocket } from '../agent/ws.ts'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(BENCH_DIR, '..')
const RESULTS = path.join(BENCH_DIR, 'streaming.md')
const int = (name, def) => {
  const v = Number(process.env[name] ?? def)
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}=${process.env[name]} is not a positive integer`)
  return v
}
const CFG = { mb: int('BENCH_MB', 50), execs: int('BENCH_EXECS', 50), rounds: int('BENCH_ROUNDS', 3) }
const NS = 'default'

const T0 = performance.now()
const say = (msg) => console.log(`[${((performance.now() - T0) / 1000).toFixed(1).padStart(6)}s] ${msg}`)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const SERVER = "const n = Number(process.env.BYTES); const chunk = Buffer.alloc(65536, 120); require('http').createServer((q, s) => { s.writeHead(200, { 'content-length': n }); let left = n; const more = () => { while (left > 0) { const c = chunk.subarray(0, Math.min(left, chunk.length)); left -= c.length; if (!s.write(c)) return s.once('drain', more) } s.end() }; more() }).listen(process.env.PORT)"

const podBody = (name, node, port, bytes) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: {
    nodeName: node, terminationGracePeriodSeconds: 0,
    containers: [{ name: 'c', image: 'node', command: ['node', '-e', SERVER], env: [{ name: 'PORT', value: String(port) }, { name: 'BYTES', value: String(bytes) }] }],
  },
})

/** Downloads everything from http://127.0.0.1:port/ and returns MB/s. */
function download(port, bytes) {
  return new Promise((resolve, reject) => {
    const t = performance.now()
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let got = 0
      res.on('data', (d) => { got += d.length })
      res.on('end', () => {
        if (got !== bytes) return reject(new Error(`got ${got} of ${bytes} bytes`))
        resolve(bytes / 1e6 / ((performance.now() - t) / 1000))
      })
      res.on('error', reject)
    }).on('error', reject)
  })
}

/** One exec of `true` over a raw v5 WebSocket: ms from the upgrade request until the server closes. */
async function execOnce(url, pod) {
  const t = performance.now()
  const ws = await connectWebSocket(`${url}/api/v1/namespaces/${NS}/pods/${pod}/exec?command=true&stdout=true`, { protocols: ['v5.channel.k8s.io'] })
  let status = ''
  ws.on('message', (d) => { if (d[0] === 3) status += d.subarray(1).toString() })
  await new Promise((r) => ws.on('close', r))
  if (!status.includes('Success')) throw new Error(`exec in ${pod}: ${status || 'no status'}`)
  return performance.now() - t
}

function spawnTrue() {
  const t = performance.now()
  spawnSync('true')
  return performance.now() - t
}

async function main() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ek-bench-streaming-'))
  const cleanups = []
  try {
    const kubectl = path.join(ROOT, '.tools/kubectl')
    if (!fs.existsSync(kubectl)) spawnSync(process.execPath, ['scripts/tools.mjs'], { cwd: ROOT, stdio: 'inherit' })
    const scriptPath = await buildWorker(ROOT, path.join(scratch, 'dist'), (m) => say(m))
    const { mf, target, url } = await startMiniflare({ root: ROOT, scriptPath, log: (m) => say(m) })
    cleanups.push(() => mf.dispose())
    say('starting two node agents: one reached directly, one through its tunnel')
    const agents = [
      await startAgent({ root: ROOT, name: 'bench-direct', url, stateDir: path.join(scratch, 'agent-direct') }),
      await startAgent({ root: ROOT, name: 'bench-tunnel', url, stateDir: path.join(scratch, 'agent-tunnel'), extra: ['--tunnel'], ready: 'tunnel connected' }),
    ]
    for (const a of agents) cleanups.push(async () => { await a.stop(); killProcessContainers(a.stateDir) })
    await Promise.all(agents.map((a) => a.started))
    const bytes = CFG.mb * 1_000_000
    const pods = {}
    for (const a of agents) {
      const port = await freePort()
      pods[a.name] = { name: `srv-${a.name}`, port }
      await expectOk(target, { method: 'POST', path: `/api/v1/namespaces/${NS}/pods`, body: podBody(`srv-${a.name}`, a.name, port, bytes) })
    }
    for (const p of Object.values(pods)) {
      for (let i = 0; ; i++) {
        const r = await request(target, { path: `/api/v1/namespaces/${NS}/pods/${p.name}` })
        if (JSON.parse(r.body).status?.phase === 'Running') break
        if (i > 300) throw new Error(`${p.name} did not run`)
        await sleep(100)
      }
    }
    await sleep(500) // the servers listen

    say(`exec round trips: ${CFG.execs} each (a raw v5 WebSocket running \`true\`)`)
    const lat = { local: [] }
    for (let i = 0; i < CFG.execs; i++) lat.local.push(spawnTrue())
    for (const a of agents) {
      lat[a.name] = []
      await execOnce(url, pods[a.name].name) // warm
      for (let i = 0; i < CFG.execs; i++) lat[a.name].push(await execOnce(url, pods[a.name].name))
    }
    for (const k of Object.keys(lat)) lat[k].sort((x, y) => x - y)

    say(`port-forward: ${CFG.mb} MB downloads, best of ${CFG.rounds}`)
    const mbps = { local: 0 }
    const forwards = {}
    for (const a of agents) {
      const local = await freePort()
      const child = spawn(kubectl, ['--server', url, 'port-forward', '-n', NS, `pod/${pods[a.name].name}`, `${local}:${pods[a.name].port}`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
      cleanups.push(() => { try { process.kill(-child.pid, 'SIGTERM') } catch {} })
      let out = ''
      child.stdout.on('data', (d) => { out += d })
      child.stderr.on('data', (d) => { out += d })
      for (let i = 0; i < 200 && !out.includes('Forwarding from'); i++) await sleep(50)
      if (!out.includes('Forwarding from')) throw new Error(`kubectl port-forward did not start: ${out}`)
      forwards[a.name] = local
      mbps[a.name] = 0
    }
    for (let r = 0; r < CFG.rounds; r++) {
      // Taking turns, so that neither path has the machine to itself.
      mbps.local = Math.max(mbps.local, await download(pods['bench-direct'].port, bytes))
      for (const a of agents) mbps[a.name] = Math.max(mbps[a.name], await download(forwards[a.name], bytes))
      say(`  round ${r + 1}: local ${mbps.local.toFixed(0)} MB/s, direct ${mbps['bench-direct'].toFixed(0)} MB/s, tunnel ${mbps['bench-tunnel'].toFixed(0)} MB/s (best so far)`)
    }

    const ms = (v) => `${v.toFixed(1)} ms`
    const row = (label, k) => `| ${label} | ${ms(percentile(lat[k], 0.5))} | ${ms(percentile(lat[k], 0.9))} | ${(percentile(lat[k], 0.5) / percentile(lat.local, 0.5)).toFixed(1)}x |`
    const md = [
      '# bench:streaming',
      '',
      `${new Date().toISOString()}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}; the Worker in Miniflare, real node agents (process runtime), kubectl ${spawnSync(path.join(ROOT, '.tools/kubectl'), ['version', '--client', '-o', 'json'], { encoding: 'utf8' }).stdout.match(/"gitVersion": "([^"]+)"/)?.[1] ?? ''}.`,
      '',
      `## exec round trip (${CFG.execs} in a row, \`true\` over a raw v5.channel.k8s.io WebSocket)`,
      '',
      '| path | p50 | p90 | p50 vs spawning `true` here |',
      '|---|---|---|---|',
      `| spawn \`true\` on this machine (baseline) | ${ms(percentile(lat.local, 0.5))} | ${ms(percentile(lat.local, 0.9))} | 1.0x |`,
      row('Worker -> agent (direct)', 'bench-direct'),
      row('Worker -> Tunnel DO -> agent', 'bench-tunnel'),
      '',
      `## port-forward download (${CFG.mb} MB through \`kubectl port-forward\`, best of ${CFG.rounds})`,
      '',
      '| path | MB/s | vs plain local TCP |',
      '|---|---|---|',
      `| plain local TCP from the pod's port (baseline) | ${mbps.local.toFixed(0)} | 1.00 |`,
      `| kubectl -> Worker -> agent (direct) | ${mbps['bench-direct'].toFixed(0)} | ${(mbps['bench-direct'] / mbps.local).toFixed(2)} |`,
      `| kubectl -> Worker -> Tunnel DO -> agent | ${mbps['bench-tunnel'].toFixed(0)} | ${(mbps['bench-tunnel'] / mbps.local).toFixed(2)} |`,
      '',
    ].join('\n')
    fs.writeFileSync(RESULTS, md)
    console.log(`\n${md}`)
    say(`wrote ${path.relative(ROOT, RESULTS)}`)
  } finally {
    for (const c of cleanups.reverse()) { try { await c() } catch {} }
    fs.rmSync(scratch, { recursive: true, force: true })
  }
}

main().catch((e) => { console.error(e); process.exitCode = 1 })
