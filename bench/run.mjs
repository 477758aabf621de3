#!/usr/bin/env node
// `npm run bench`: edgekube throughput and latency against the no-op route of
// the same worker, with etcd (the store kube-apiserver writes into) as a peer.
//
//   1. builds the worker bundle (wrangler deploy --dry-run) and runs it in
//      Miniflare on workerd's own loopback port (no wrangler dev proxy);
//   2. measures no-op, get, list (1,000 objects), create, update and watch
//      event latency, each for a fixed time at a fixed concurrency;
//   3. installs etcd if needed (Debian etcd-server, when root), runs one on
//      loopback and measures the equivalent operations via its JSON gateway;
//   4. prints a table and writes it to bench/results.md.
//
// Knobs (environment): BENCH_SECONDS=5  BENCH_WARMUP_SECONDS=1
//   BENCH_CONCURRENCY=16  BENCH_LIST_OBJECTS=1000  BENCH_WATCHERS=100
//   BENCH_WATCH_WRITES=50  BENCH_SKIP_ETCD=1
//
// The load generator is in-process (node:http, keep-alive agent, closed loop:
// each of N connections sends its next request once the previous answer has
// been read) and shares the machine's cores with workerd and etcd; the share
// of a core it used is printed with every figure.

import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildWorker, edgekubeOps, startMiniflare } from './lib/edgekube.mjs'
import { ensureEtcd, etcdOps, startEtcd } from './lib/etcd.mjs'
import { runLoad, runWatch } from './lib/http.mjs'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(BENCH_DIR, '..')
const RESULTS = path.join(BENCH_DIR, 'results.md')

const num = (name, def) => {
  const v = Number(process.env[name] ?? def)
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name}=${process.env[name]} is not a number`)
  return v
}
const CFG = {
  seconds: num('BENCH_SECONDS', 5),
  warmupSeconds: num('BENCH_WARMUP_SECONDS', 1),
  concurrency: Math.max(1, Math.floor(num('BENCH_CONCURRENCY', 16))),
  listObjects: Math.max(1, Math.floor(num('BENCH_LIST_OBJECTS', 1000))),
  watchers: Math.max(1, Math.floor(num('BENCH_WATCHERS', 100))),
  watchWrites: Math.max(1, Math.floor(num('BENCH_WATCH_WRITES', 50))),
}

const ROWS = [
  { key: 'noop', label: 'no-op baseline' },
  { key: 'get', label: 'get one ConfigMap' },
  { key: 'list', label: `list ${CFG.listObjects.toLocaleString('en-US')} ConfigMaps` },
  { key: 'create', label: 'create ConfigMap' },
  { key: 'update', label: 'update ConfigMap (unconditional)' },
  { key: 'watch', label: `watch event latency (${CFG.watchers} watchers)` },
]

// ---------------------------------------------------------------------------
// Output helpers

const T0 = performance.now()
const elapsed = () => `${((performance.now() - T0) / 1000).toFixed(1).padStart(5)}s`
const logger = (tag) => (msg) => console.log(`[${elapsed()}] ${tag} ${msg}`)
const say = logger('bench')

const fmtRate = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–')
const fmtMs = (x) => (!Number.isFinite(x) ? '–' : x < 1 ? `${x.toFixed(2)} ms` : x < 10 ? `${x.toFixed(1)} ms` : `${Math.round(x)} ms`)
const fmtX = (x) => (!Number.isFinite(x) ? '–' : x >= 10 ? `${Math.round(x)}×` : x >= 0.1 ? `${x.toFixed(2)}×` : `${x.toFixed(3)}×`)

function ratioText(r, base) {
  if (!base || base.error || !r || r.error || r.kind === 'watch') return '–'
  return `${fmtX(r.rps / base.rps)} req/s, ${fmtX(r.p50 / base.p50)} p50`
}

const errorPct = (r) => `${((100 * r.errors) / (r.n + r.errors)).toFixed(1)}% failed`

function describeResult(r, base, baseName) {
  if (r.kind === 'watch') {
    const miss = r.missed > 0 ? `, ${r.missed} events MISSING` : ''
    return `${fmtRate(r.rps)} events/s delivered, latency p50 ${fmtMs(r.p50)}, p99 ${fmtMs(r.p99)} (${r.n}/${r.expected} events${miss}; write answered in p50 ${fmtMs(r.writeP50)}; client CPU ${Math.round(r.clientCpu * 100)}%)`
  }
  const errs = r.errors ? `, ${r.errors} ERRORS (${errorPct(r)}), first: ${r.firstError}` : ''
  const sat = r.clientCpu >= 0.85 ? ' [the load generator used most of a core: this figure may be client-bound]' : ''
  const vs = baseName && base && r !== base ? `; vs ${baseName}: ${ratioText(r, base)}` : ''
  return `${fmtRate(r.rps)} req/s, p50 ${fmtMs(r.p50)}, p99 ${fmtMs(r.p99)} (${r.n.toLocaleString('en-US')} requests, ${Math.round(r.bytesPerResponse).toLocaleString('en-US')} B/response, client CPU ${Math.round(r.clientCpu * 100)}%${errs})${vs}${sat}`
}

// ---------------------------------------------------------------------------
// Clean-up: Miniflare kills workerd from its own exit hook; etcd and the temp
// dirs are handled here, synchronously, so they go even on Ctrl-C or a crash.

const syncCleanups = []
let exiting = false
process.on('exit', () => {
  for (const f of syncCleanups.splice(0).reverse()) try { f() } catch {}
})
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(sig, () => {
    if (exiting) return
    exiting = true
    console.log(`\n[${elapsed()}] bench ${sig}: stopping workerd and etcd, removing temp dirs`)
    process.exit(code)
  })
}

// ---------------------------------------------------------------------------

async function measureAll(tag, ops, baseName) {
  const log = logger(tag)
  const results = {}
  for (const row of ROWS) {
    try {
      log(`${row.key}: preparing`)
      const prep = await ops[row.key]()
      if (prep.watch) {
        log(`${row.key}: ${prep.describe}`)
        const cpu0 = process.cpuUsage()
        const t0 = performance.now()
        const r = await runWatch({ watchers: CFG.watchers, writes: CFG.watchWrites, ...prep.watch, log: (m) => log(`${row.key}: ${m}`) })
        const cpu = process.cpuUsage(cpu0)
        results[row.key] = { kind: 'watch', ...r, clientCpu: (cpu.user + cpu.system) / 1000 / (performance.now() - t0) }
      } else {
        log(`${row.key}: ${prep.describe}: ${CFG.concurrency} connections, ${CFG.warmupSeconds} s warm-up + ${CFG.seconds} s`)
        const r = await runLoad({
          target: ops.target, concurrency: CFG.concurrency,
          durationMs: CFG.seconds * 1000, warmupMs: CFG.warmupSeconds * 1000, next: prep.next,
        })
        results[row.key] = { kind: 'load', ...r }
      }
      log(`${row.key}: ${describeResult(results[row.key], results.noop, baseName)}`)
    } catch (err) {
      results[row.key] = { error: err.message }
      log(`${row.key}: FAILED: ${err.message}`)
    }
  }
  return results
}

function gitRevision() {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'wrangler.toml'], { cwd: ROOT, encoding: 'utf8' }).trim()
    return dirty ? `${rev} + uncommitted changes in src/` : rev
  } catch {
    return 'unknown revision'
  }
}

function cells(r, kind) {
  if (!r) return ['skipped', '', '']
  if (r.error) return ['FAILED', '', '']
  let rate = kind === 'watch' ? `${fmtRate(r.rps)} events/s` : fmtRate(r.rps)
  if (kind === 'watch' && r.missed > 0) rate += ` (${r.missed} missed)`
  else if (kind !== 'watch' && r.errors > 0) rate += ` (${errorPct(r)})`
  if (kind !== 'watch' && r.clientCpu >= 0.85) rate += ' ¹'
  return [rate, fmtMs(r.p50), fmtMs(r.p99)]
}

function tableRows(ek, et) {
  return ROWS.map((row) => {
    const e = ek[row.key]
    const k = row.key === 'watch' ? 'watch' : 'load'
    return [row.label, ...cells(e, k), e && !e.error ? (row.key === 'noop' ? '1×' : ratioText(e, ek.noop)) : '', ...(et ? cells(et[row.key], k) : ['skipped', '', ''])]
  })
}

const HEADER = ['operation', 'edgekube req/s', 'p50', 'p99', 'ratio to no-op', 'etcd req/s', 'p50', 'p99']

function textTable(rows) {
  const all = [HEADER, ...rows]
  const w = HEADER.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)))
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join(' | ')
  return [line(HEADER), w.map((n) => '-'.repeat(n)).join('-+-'), ...rows.map(line)].join('\n')
}

function markdown({ rows, meta, ek, et, etcdNote, etcdInfo }) {
  const md = []
  md.push('# edgekube benchmark')
  md.push('')
  md.push(`Written by \`npm run bench\` (bench/run.mjs) on ${meta.date}; each run overwrites this file.`)
  md.push('')
  md.push(`| ${HEADER.join(' | ')} |`)
  md.push(`|${HEADER.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`)
  for (const r of rows) md.push(`| ${r.join(' | ')} |`)
  md.push('')
  md.push('Ratio to no-op: requests/s of the operation ÷ requests/s of `GET /livez` (a route of the same worker that never touches the store), and p50 ÷ p50 of `GET /livez`, both from this run.')
  md.push('')
  md.push('## Set-up')
  md.push('')
  md.push(`- Machine: ${meta.machine}. Node ${process.version}. Everything (load generator, workerd, etcd) shares these cores; ${meta.load}.`)
  md.push(`- edgekube ${meta.rev}: bundle from \`wrangler deploy --dry-run\`, run by Miniflare ${meta.miniflare} (workerd) on its own loopback port, no \`wrangler dev\` proxy; one SQLite Durable Object (\`Store\`), storage in a temp dir.`)
  md.push(`- etcd: ${etcdInfo ?? `not measured: ${etcdNote}`}.`)
  md.push(`- Load: ${CFG.concurrency} keep-alive HTTP/1.1 connections, closed loop (next request once the previous answer is read in full), ${CFG.warmupSeconds} s warm-up, then ${CFG.seconds} s measured; latency is send-to-last-byte. The client is one Node process (node:http); the share of a core it used per phase is in the run log.`)
  md.push(`- Objects: ConfigMaps of ~200 bytes of JSON. get: one object in \`default\`. list: all ${CFG.listObjects} objects of namespace \`bench-list\` in one unpaginated GET. create: POST with \`generateName\` into \`bench-create\`. update: PUT of one object without \`resourceVersion\`, a data value changing each time.`)
  md.push(`- Watch: ${CFG.watchers} concurrent \`GET …/namespaces/bench-watch/configmaps?watch=1&resourceVersion=<rv>\` streams (\`Accept-Encoding: identity\`), then ${CFG.watchWrites} PUTs in lockstep: send a write, await its answer, wait until every watcher has the event (5 s cap), then the next. Latency is write sent → event line received, per watcher per event; events/s is delivered events ÷ wall time of those writes. One warm-up write before, not counted.`)
  md.push('- etcd equivalents (its JSON gRPC gateway): no-op `GET /version`; get `POST /v3/kv/range` of one key; list a range over the 1,000-key prefix; create and update `POST /v3/kv/put` (a new key each time / the same key); watch `POST /v3/watch` streams on one key and puts to it.')
  md.push('')
  md.push('## Reading it')
  md.push('')
  md.push('- The etcd column is the storage peer, not kube-apiserver: kube-apiserver adds its own HTTP handling, decoding, defaulting, validation, admission, conversion and a watch cache on top of these etcd calls (and serves get/list from that cache), and writes through a txn (compare-and-put), not a bare put. edgekube does all of its API-server work inside the measured request.')
  md.push('- etcd is reached through its JSON gRPC gateway (JSON and base64 in and out, then a loopback gRPC call inside etcd); kube-apiserver speaks gRPC with protobuf directly. The transcoding weighs most on the list row (1,000 base64 values re-encoded as JSON per request).')
  md.push('- Latency percentiles here are from a closed loop at fixed concurrency, so p50 ≈ concurrency ÷ req/s: a slower operation shows both fewer req/s and a higher p50.')
  if ([ek, et].some((x) => x && ROWS.some((r) => x[r.key]?.kind === 'load' && x[r.key].clientCpu >= 0.85))) {
    md.push('- ¹ The load generator used ≥ 85% of a core in this phase, so the figure may be limited by the client rather than the server.')
  }
  md.push('- Both run locally: workerd locally is not Cloudflare\'s edge (no network hop to the Durable Object, one machine\'s disk), and etcd is a single member on loopback that fsyncs its WAL on every write.')
  const failed = [...ROWS.filter((r) => ek[r.key]?.error).map((r) => `- edgekube ${r.key} failed: ${ek[r.key].error.replace(/\n/g, ' ')}`), ...(et ? ROWS.filter((r) => et[r.key]?.error).map((r) => `- etcd ${r.key} failed: ${et[r.key].error.replace(/\n/g, ' ')}`) : [])]
  const errs = [...ROWS.filter((r) => ek[r.key]?.errors > 0 && !ek[r.key].error).map((r) => `- edgekube ${r.key}: ${ek[r.key].errors} ${r.key === 'watch' ? 'events missing' : `failed requests, first: ${ek[r.key].firstError}`}`), ...(et ? ROWS.filter((r) => et[r.key]?.errors > 0 && !et[r.key].error).map((r) => `- etcd ${r.key}: ${et[r.key].errors} ${r.key === 'watch' ? 'events missing' : `failed requests, first: ${et[r.key].firstError}`}`) : [])]
  if (failed.length || errs.length) {
    md.push('')
    md.push('## Problems in this run')
    md.push('')
    md.push(...failed, ...errs)
  }
  md.push('')
  return md.join('\n')
}

async function main() {
  const cpus = os.cpus()
  say(`edgekube benchmark: ${CFG.seconds} s per operation after ${CFG.warmupSeconds} s warm-up, ${CFG.concurrency} connections, list of ${CFG.listObjects}, ${CFG.watchers} watchers × ${CFG.watchWrites} writes`)
  say(`machine: ${cpus.length} × ${cpus[0]?.model?.trim() ?? 'cpu'}, Node ${process.version}, load average ${os.loadavg()[0].toFixed(2)}`)
  if (os.loadavg()[0] > 0.5) say('NOTE: other processes are using CPU right now; the figures will be lower and noisier than on an idle machine')
  const loadBefore = os.loadavg()[0]
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgekube-bench-'))
  syncCleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }))

  // 1. edgekube
  say('[1/4] building the worker bundle')
  const scriptPath = await buildWorker(ROOT, path.join(tmp, 'dist'), logger('build'))
  say('[2/4] starting it in Miniflare and measuring edgekube')
  let miniflareVersion = 'unknown'
  try { miniflareVersion = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/miniflare/package.json'), 'utf8')).version } catch {}
  const { mf, target, workerOutput } = await startMiniflare({ root: ROOT, scriptPath, log: logger('miniflare') })
  let ek
  try {
    const ops = edgekubeOps(target, { listObjects: CFG.listObjects, watchers: CFG.watchers, log: logger('edgekube') })
    ops.target = target
    ek = await measureAll('edgekube', ops, 'GET /livez')
  } finally {
    say('stopping Miniflare')
    await mf.dispose()
    const wo = workerOutput()
    if (wo.lines > 30) say(`(the worker printed ${wo.lines} lines; the first 30 are shown above)`)
  }

  // 2. etcd
  say('[3/4] etcd, the store kube-apiserver writes into')
  let et = null
  let etcdNote = null
  let etcdInfo = null
  const found = await ensureEtcd(logger('etcd'))
  if (found.skip) {
    etcdNote = found.skip
    say(`NOTE: skipping the etcd column: ${found.skip}`)
  } else {
    let etcd
    try {
      etcd = await startEtcd(found.bin, logger('etcd'), tmp)
      syncCleanups.push(etcd.stopSync)
      etcdInfo = `etcd ${etcd.version} (Debian etcd-server), one member on loopback, data dir in a temp dir, default settings`
      const ops = etcdOps(etcd.target, { listObjects: CFG.listObjects, watchers: CFG.watchers, log: logger('etcd') })
      ops.target = etcd.target
      et = await measureAll('etcd', ops, 'GET /version')
    } catch (err) {
      etcdNote = `etcd could not be run: ${err.message}`
      say(`NOTE: skipping the etcd column: ${etcdNote}`)
    } finally {
      if (etcd) {
        say('stopping etcd')
        await etcd.stop()
      }
    }
  }

  // 3. table
  say('[4/4] results')
  const rows = tableRows(ek, et)
  const meta = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: `${cpus.length} × ${cpus[0]?.model?.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB, ${os.type()} ${os.release()}`,
    rev: gitRevision(),
    miniflare: miniflareVersion,
    load: `1-minute load average ${loadBefore.toFixed(2)} before the run, ${os.loadavg()[0].toFixed(2)} after it (it includes the benchmark's own load)`,
  }
  console.log('')
  console.log(textTable(rows))
  console.log('')
  console.log('ratio to no-op = req/s ÷ no-op req/s, p50 ÷ no-op p50 (no-op: GET /livez of the same worker, this run)')
  if (rows.some((r) => r.some((c) => String(c).endsWith('¹')))) console.log('¹ the load generator used ≥ 85% of a core in that phase: the figure may be client-bound')
  if (!et) console.log(`etcd: not measured: ${etcdNote}`)
  fs.writeFileSync(RESULTS, markdown({ rows, meta, ek, et, etcdNote, etcdInfo }))
  say(`wrote ${path.relative(process.cwd(), RESULTS) || RESULTS}; total ${((performance.now() - T0) / 1000).toFixed(0)} s`)

  const failures = [...ROWS.filter((r) => ek[r.key]?.error).map((r) => `edgekube ${r.key}`), ...(et ? ROWS.filter((r) => et[r.key]?.error).map((r) => `etcd ${r.key}`) : [])]
  if (failures.length) {
    say(`FAILED operations: ${failures.join(', ')} (errors above)`)
    process.exitCode = 1
  }
}

main().catch((err) => {
  console.error(`[${elapsed()}] bench FAILED: ${err.stack ?? err}`)
  process.exitCode = 1
}).finally(() => {
  // Open handles (e.g. a half-closed watch socket) must not keep the process alive.
  setTimeout(() => process.exit(), 200).unref()
})
