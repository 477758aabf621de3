// etcd side of the benchmark: find or install etcd (Debian package
// etcd-server), run a throw-away single-member cluster on loopback, and
// describe the operations kube-apiserver would send it, through etcd's JSON
// gRPC gateway (/v3/kv/range, /v3/kv/put, /v3/watch).

import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { configMap } from './edgekube.mjs'
import { expectOk, freePort, openLineStream, pool, request, snippet } from './http.mjs'

const b64 = (s) => Buffer.from(s).toString('base64')
const unb64 = (s) => Buffer.from(s ?? '', 'base64').toString('utf8')
/** The range_end that makes [prefix, end) cover every key starting with prefix. */
function prefixEnd(prefix) {
  const b = Buffer.from(prefix)
  b[b.length - 1]++
  return b.toString('utf8')
}

function which(bin) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/bin', '/usr/local/bin', '/usr/sbin'])) {
    const p = path.join(dir, bin)
    try { fs.accessSync(p, fs.constants.X_OK); return p } catch {}
  }
  return null
}

function runStreaming(cmd, args, log) {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
    let dbShown = false
    const relay = (d) => {
      for (const l of d.toString().split('\n')) {
        if (!l.trim()) continue
        // dpkg's "(Reading database ... 5%" counter: one line is enough.
        if (l.startsWith('(Reading database')) { if (!dbShown) log('  | (Reading database ...)'); dbShown = true; continue }
        log(`  | ${l}`)
      }
    }
    c.stdout.on('data', relay)
    c.stderr.on('data', relay)
    c.on('error', (e) => { log(`  | ${e.message}`); resolve(1) })
    c.on('exit', (code) => resolve(code ?? 1))
  })
}

/** Path of the etcd binary, installing etcd-server with apt-get when root. Returns { bin } or { skip: reason }. */
export async function ensureEtcd(log) {
  if (process.env.BENCH_SKIP_ETCD) return { skip: 'BENCH_SKIP_ETCD is set' }
  let bin = which('etcd')
  if (bin) { log(`etcd found at ${bin}`); return { bin } }
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { skip: 'the etcd binary is missing and this is not root, so the Debian package cannot be installed (sudo apt-get install -y etcd-server)' }
  }
  if (!which('apt-get')) return { skip: 'the etcd binary is missing and apt-get is not available' }
  log('etcd not found: installing the Debian package etcd-server (apt-get install -y etcd-server)')
  let code = await runStreaming('apt-get', ['install', '-y', '--no-install-recommends', 'etcd-server'], log)
  if (code !== 0) {
    log(`apt-get install exited ${code}; refreshing the package lists (apt-get update) and trying again`)
    await runStreaming('apt-get', ['update'], log)
    code = await runStreaming('apt-get', ['install', '-y', '--no-install-recommends', 'etcd-server'], log)
  }
  bin = which('etcd')
  if (code !== 0 || !bin) return { skip: `installing etcd-server failed (apt-get exit ${code})` }
  log(`installed ${bin}`)
  return { bin }
}

/** Starts a single-member etcd on free loopback ports with a temp data dir. */
export async function startEtcd(bin, log, tmpRoot = os.tmpdir()) {
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout?.match(/etcd Version:\s*(\S+)/)?.[1] ?? 'unknown'
  const dataDir = fs.mkdtempSync(path.join(tmpRoot, 'etcd-'))
  const client = await freePort()
  let peer = await freePort()
  while (peer === client) peer = await freePort()
  const cu = `http://127.0.0.1:${client}`
  const pu = `http://127.0.0.1:${peer}`
  const args = [
    '--name', 'bench', '--data-dir', dataDir,
    '--listen-client-urls', cu, '--advertise-client-urls', cu,
    '--listen-peer-urls', pu, '--initial-advertise-peer-urls', pu,
    '--initial-cluster', `bench=${pu}`, '--initial-cluster-state', 'new',
    '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'warn',
  ]
  log(`starting etcd ${version}: ${bin} --data-dir ${dataDir} --listen-client-urls ${cu} …`)
  // Own process group so it can be killed as a unit even if this process dies.
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...(process.arch === 'arm64' ? { ETCD_UNSUPPORTED_ARCH: 'arm64' } : {}) } })
  let stderr = ''
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-8000) })
  let exited = null
  child.on('exit', (code, sig) => { exited = sig ?? `code ${code}` })

  const target = { host: '127.0.0.1', port: client }
  const stopSync = () => {
    if (exited === null) try { process.kill(-child.pid, 'SIGKILL') } catch {}
    try { fs.rmSync(dataDir, { recursive: true, force: true }) } catch {}
  }
  const stop = async () => {
    if (exited === null) {
      try { process.kill(-child.pid, 'SIGTERM') } catch {}
      const deadline = Date.now() + 5000
      while (exited === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    }
    stopSync()
  }

  const deadline = Date.now() + 30_000
  let last = ''
  while (true) {
    if (exited !== null) { stopSync(); throw new Error(`etcd exited (${exited}) during start-up:\n${stderr}`) }
    try {
      const r = await request(target, { method: 'POST', path: '/v3/kv/range', body: { key: b64('/') }, timeoutMs: 2000 })
      if (r.status === 200) break
      last = `HTTP ${r.status} ${snippet(r.body, 200)}`
    } catch (e) { last = e.message }
    if (Date.now() > deadline) { await stop(); throw new Error(`etcd did not answer within 30 s (last: ${last}):\n${stderr}`) }
    await new Promise((r) => setTimeout(r, 100))
  }
  log(`etcd ready on ${cu} (pid ${child.pid})`)
  return { target, version, pid: child.pid, stop, stopSync, stderr: () => stderr }
}

/** The same six operations, as kube-apiserver's storage layer would issue them to etcd. */
export function etcdOps(target, { listObjects, watchers, log }) {
  const put = (key, value) => ({ method: 'POST', path: '/v3/kv/put', body: JSON.stringify({ key: b64(key), value: b64(value) }) })
  const value = (meta, extra) => JSON.stringify(configMap(meta, 200, extra))

  return {
    async noop() {
      return { describe: 'GET /version (served without touching the store)', next: () => ({ path: '/version' }) }
    },

    async get() {
      const key = '/registry/configmaps/default/bench-get'
      await expectOk(target, put(key, value({ name: 'bench-get', namespace: 'default' })))
      const body = JSON.stringify({ key: b64(key) })
      return { describe: `POST /v3/kv/range {key: ${key}}`, next: () => ({ method: 'POST', path: '/v3/kv/range', body }) }
    },

    async list() {
      const prefix = '/registry/configmaps/bench-list/'
      log(`putting ${listObjects} keys of ~200 bytes under ${prefix} (16 at a time)`)
      const t0 = performance.now()
      let done = 0
      const step = Math.max(1, Math.floor(listObjects / 4))
      await pool(listObjects, 16, async (i) => {
        const name = `cm-${String(i).padStart(5, '0')}`
        await expectOk(target, put(prefix + name, value({ name, namespace: 'bench-list' })))
        if (++done % step === 0 || done === listObjects) log(`  ${done}/${listObjects} put (${Math.round(done / ((performance.now() - t0) / 1000))}/s)`)
      })
      const body = JSON.stringify({ key: b64(prefix), range_end: b64(prefixEnd(prefix)) })
      const r = await expectOk(target, { method: 'POST', path: '/v3/kv/range', body })
      const j = JSON.parse(r.body)
      const n = j.kvs?.length ?? 0
      log(`range over ${prefix} returns ${n} keys (count ${j.count}), ${r.body.length.toLocaleString('en-US')} bytes`)
      if (n !== listObjects) log(`WARNING: expected ${listObjects} keys, got ${n}`)
      return { describe: `POST /v3/kv/range {key: ${prefix}, range_end: prefix+1} (${n} keys)`, next: () => ({ method: 'POST', path: '/v3/kv/range', body }) }
    },

    async create() {
      const run = Date.now().toString(36)
      return {
        describe: 'POST /v3/kv/put of a new key /registry/configmaps/bench-create/bench-<n>',
        next: (i) => put(`/registry/configmaps/bench-create/bench-${run}-${i}`, value({ name: `bench-${run}-${i}`, namespace: 'bench-create' })),
      }
    },

    async update() {
      const key = '/registry/configmaps/default/bench-update'
      return {
        describe: `POST /v3/kv/put {key: ${key}} (value changes each time)`,
        next: (i) => put(key, value({ name: 'bench-update', namespace: 'default' }, { counter: String(i) })),
      }
    },

    async watch() {
      const key = '/registry/configmaps/bench-watch/watched'
      await expectOk(target, put(key, value({ name: 'watched', namespace: 'bench-watch' }, { seq: '-1', ts: '' })))
      let ended = 0
      return {
        describe: `${watchers} x POST /v3/watch {create_request: {key: ${key}}}; /v3/kv/put of that key with data.seq/ts`,
        watch: {
          open: async (i, onSeq) => {
            let closing = false
            let created
            const isCreated = new Promise((resolve, reject) => { created = { resolve, reject } })
            const s = await openLineStream(target, {
              method: 'POST', path: '/v3/watch',
              body: { create_request: { key: b64(key) } },
              onLine: (line, t) => {
                let m
                try { m = JSON.parse(line) } catch { return }
                if (m.error) { created.reject(new Error(`watch ${i}: ${snippet(line, 300)}`)); return }
                const r = m.result ?? {}
                if (r.created) created.resolve()
                for (const ev of r.events ?? []) {
                  try {
                    const v = JSON.parse(unb64(ev.kv?.value))
                    if (v.data?.seq !== undefined) onSeq(Number(v.data.seq), t)
                  } catch {}
                }
              },
              onEnd: (why) => { if (!closing && ended++ === 0) log(`an etcd watch stream ended early (${why})`) },
            })
            let timer
            try {
              await Promise.race([isCreated, new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`watch ${i}: no "created" message within 10 s`)), 10_000) })])
            } catch (e) { s.close(); throw e } finally { clearTimeout(timer) }
            return () => { closing = true; s.close() }
          },
          write: async (seq) => {
            await expectOk(target, put(key, value({ name: 'watched', namespace: 'bench-watch' }, { seq: String(seq), ts: new Date().toISOString() })))
          },
        },
      }
    },
  }
}
