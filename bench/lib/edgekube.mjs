// edgekube side of the benchmark: build the Worker bundle the way a deploy
// does, run it in Miniflare (one workerd process, the worker on its own port,
// no wrangler dev proxy in front), and describe each measured operation.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { expectOk, openLineStream, pool, request, snippet } from './http.mjs'

/** The settings of wrangler.toml that Miniflare needs (a tiny reader, not a full TOML parser). */
export function readWranglerConfig(root) {
  const text = fs.readFileSync(path.join(root, 'wrangler.toml'), 'utf8')
  const top = text.split(/^\s*\[/m)[0] // keys before the first [table]
  const date = /^\s*compatibility_date\s*=\s*"([^"]+)"/m.exec(top)?.[1] ?? '2025-09-01'
  const flagsRaw = /^\s*compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(top)?.[1]
  const flags = flagsRaw ? [...flagsRaw.matchAll(/"([^"]+)"/g)].map((m) => m[1]) : ['nodejs_compat', 'enable_request_signal']
  const durableObjects = {}
  for (const block of text.split(/^\s*\[\[durable_objects\.bindings\]\]\s*$/m).slice(1)) {
    const body = block.split(/^\s*\[/m)[0]
    const name = /^\s*name\s*=\s*"([^"]+)"/m.exec(body)?.[1]
    const className = /^\s*class_name\s*=\s*"([^"]+)"/m.exec(body)?.[1]
    if (name && className) durableObjects[name] = { className }
  }
  const sqlite = new Set()
  for (const m of text.matchAll(/new_sqlite_classes\s*=\s*\[([^\]]*)\]/g)) for (const c of m[1].matchAll(/"([^"]+)"/g)) sqlite.add(c[1])
  for (const d of Object.values(durableObjects)) d.useSQLite = sqlite.has(d.className)
  if (Object.keys(durableObjects).length === 0) durableObjects.STORE = { className: 'Store', useSQLite: true }
  const vars = {}
  const varsBlock = /^\s*\[vars\]\s*$([\s\S]*?)(?=^\s*\[|(?![\s\S]))/m.exec(text)?.[1]
  if (varsBlock) for (const m of varsBlock.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"]*)"/gm)) vars[m[1]] = m[2]
  return { compatibilityDate: date, compatibilityFlags: flags, durableObjects, vars }
}

/** `wrangler deploy --dry-run --outdir <outdir>`: the same bundle a deploy uploads. */
export async function buildWorker(root, outdir, log) {
  const wrangler = path.join(root, 'node_modules/wrangler/bin/wrangler.js')
  if (!fs.existsSync(wrangler)) throw new Error(`${wrangler} not found: run npm install first`)
  log(`wrangler deploy --dry-run --outdir ${outdir}`)
  const t0 = performance.now()
  const out = await new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', outdir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0' },
    })
    let text = ''
    c.stdout.on('data', (d) => { text += d })
    c.stderr.on('data', (d) => { text += d })
    c.on('error', reject)
    c.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrangler build failed (exit ${code}):\n${text.slice(-4000)}`))))
  })
  const size = /Total Upload:\s*([^\n]+)/.exec(out)?.[1]?.trim()
  const main = path.join(outdir, 'index.js')
  if (!fs.existsSync(main)) throw new Error(`wrangler did not write ${main}:\n${out.slice(-2000)}`)
  log(`bundle ${main} built in ${((performance.now() - t0) / 1000).toFixed(1)} s${size ? ` (${size})` : ''}`)
  return main
}

/** Starts the bundle in Miniflare on a real loopback socket; returns { mf, target, url }. */
export async function startMiniflare({ root, scriptPath, log, bindings = {}, inspectorPort }) {
  const { Miniflare } = await import('miniflare')
  const cfg = readWranglerConfig(root)
  log(`Miniflare: compatibility ${cfg.compatibilityDate} [${cfg.compatibilityFlags.join(', ')}], durable objects ${Object.entries(cfg.durableObjects).map(([b, d]) => `${b}=${d.className}${d.useSQLite ? ' (SQLite)' : ''}`).join(', ')}, in-memory storage`)
  let lines = 0
  let suppressed = 0
  const forward = (stream) => {
    let buf = ''
    stream.setEncoding('utf8')
    stream.on('data', (chunk) => {
      buf += chunk
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        if (!line.trim()) continue
        if (lines++ < 30) console.log(`    [workerd] ${line}`)
        else if (suppressed++ === 0) console.log('    [workerd] (further worker output suppressed)')
      }
    })
  }
  const mf = new Miniflare({
    scriptPath,
    modules: true,
    modulesRoot: path.dirname(scriptPath), // the bundle lives outside the cwd
    compatibilityDate: cfg.compatibilityDate,
    compatibilityFlags: cfg.compatibilityFlags,
    durableObjects: cfg.durableObjects,
    // The benchmark speaks plain HTTP on loopback as \`npm start\` does: the insecure port, every request the local admin.
    bindings: { ...cfg.vars, EDGEKUBE_INSECURE_PORT: 'true', ...bindings },
    durableObjectsPersist: false,
    cf: false,
    host: '127.0.0.1',
    port: 0,
    handleRuntimeStdio(stdout, stderr) { forward(stdout); forward(stderr) },
    ...(inspectorPort ? { inspectorPort } : {}),
  })
  const url = await mf.ready
  const target = { host: url.hostname, port: Number(url.port) }
  log(`worker listening on ${url.origin} (workerd's own socket)`)
  // The first request bootstraps the store (namespace default, ...).
  const t0 = performance.now()
  const ready = await request(target, { path: '/readyz', timeoutMs: 60_000 })
  if (ready.status !== 200) throw new Error(`GET /readyz -> HTTP ${ready.status}: ${snippet(ready.body)}`)
  log(`GET /readyz = 200 (${Math.round(performance.now() - t0)} ms, store bootstrapped)`)
  return { mf, target, url: url.origin, workerOutput: () => ({ lines, suppressed }) }
}

/** A ConfigMap whose JSON is about `size` bytes. */
export function configMap(meta, size = 200, extra = {}) {
  const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: { ...extra, payload: '' } }
  const pad = Math.max(0, size - JSON.stringify(obj).length)
  obj.data.payload = 'x'.repeat(pad)
  return obj
}

const cmPath = (ns, name) => `/api/v1/namespaces/${ns}/configmaps${name ? `/${encodeURIComponent(name)}` : ''}`

/**
 * The edgekube operations. Each entry prepares its data and returns either
 * { describe, next } (a load phase) or { describe, watch: { open, write } }.
 */
export function edgekubeOps(target, { listObjects, watchers, log }) {
  async function ensureNamespace(name) {
    const res = await request(target, {
      method: 'POST', path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    })
    if (res.status === 201 || res.status === 200) log(`namespace ${name} created`)
    else if (res.status === 409) log(`namespace ${name} already exists`)
    // Not fatal here: the ConfigMap POSTs below fail with their own Status if the namespace is really needed.
    else log(`WARNING: POST /api/v1/namespaces (${name}) -> HTTP ${res.status}: ${snippet(res.body)}`)
  }
  /** POST, or PUT over it when it exists; returns the stored object. */
  async function putConfigMap(ns, obj) {
    const res = await request(target, { method: 'POST', path: cmPath(ns), body: obj })
    if (res.status === 201 || res.status === 200) return JSON.parse(res.body)
    if (res.status !== 409) throw new Error(`POST ${cmPath(ns)} -> HTTP ${res.status}: ${snippet(res.body)}`)
    const upd = await expectOk(target, { method: 'PUT', path: cmPath(ns, obj.metadata.name), body: obj })
    return JSON.parse(upd.body)
  }

  return {
    async noop() {
      return { describe: 'GET /livez (no store access)', next: () => ({ path: '/livez' }) }
    },

    async get() {
      await putConfigMap('default', configMap({ name: 'bench-get' }))
      const p = cmPath('default', 'bench-get')
      return { describe: `GET ${p}`, next: () => ({ path: p }) }
    },

    async list() {
      const ns = 'bench-list'
      await ensureNamespace(ns)
      log(`creating ${listObjects} ConfigMaps of ~200 bytes in ${ns} (POST, 16 at a time)`)
      const t0 = performance.now()
      let done = 0
      const step = Math.max(1, Math.floor(listObjects / 4))
      await pool(listObjects, 16, async (i) => {
        const name = `cm-${String(i).padStart(5, '0')}`
        const res = await request(target, { method: 'POST', path: cmPath(ns), body: configMap({ name, namespace: ns }) })
        if (res.status !== 201 && res.status !== 200 && res.status !== 409) {
          throw new Error(`POST ${cmPath(ns)} (${name}) -> HTTP ${res.status}: ${snippet(res.body)}`)
        }
        if (++done % step === 0 || done === listObjects) {
          log(`  ${done}/${listObjects} created (${Math.round(done / ((performance.now() - t0) / 1000))}/s)`)
        }
      })
      const list = await expectOk(target, { path: cmPath(ns) })
      const items = JSON.parse(list.body).items?.length
      log(`GET ${cmPath(ns)} returns ${items} items, ${list.body.length.toLocaleString('en-US')} bytes`)
      if (items !== listObjects) log(`WARNING: expected ${listObjects} items, got ${items}`)
      return { describe: `GET ${cmPath(ns)} (${items} items)`, next: () => ({ path: cmPath(ns) }) }
    },

    async create() {
      const ns = 'bench-create'
      await ensureNamespace(ns)
      // Fail early, with the Status, if creation does not work at all.
      await expectOk(target, { method: 'POST', path: cmPath(ns), body: configMap({ generateName: 'bench-' }) })
      return {
        describe: `POST ${cmPath(ns)} (generateName, ~200 bytes)`,
        next: () => ({ method: 'POST', path: cmPath(ns), body: JSON.stringify(configMap({ generateName: 'bench-' })) }),
      }
    },

    async update() {
      await putConfigMap('default', configMap({ name: 'bench-update' }, 200, { counter: '0' }))
      const p = cmPath('default', 'bench-update')
      return {
        describe: `PUT ${p} (no resourceVersion, data.counter changes)`,
        next: (i) => ({ method: 'PUT', path: p, body: JSON.stringify(configMap({ name: 'bench-update' }, 200, { counter: String(i + 1) })) }),
      }
    },

    async watch() {
      const ns = 'bench-watch'
      await ensureNamespace(ns)
      const obj = await putConfigMap(ns, configMap({ name: 'watched' }, 200, { seq: '-1', ts: '' }))
      const rv = obj.metadata?.resourceVersion
      if (!rv) throw new Error(`the created ConfigMap has no resourceVersion: ${snippet(JSON.stringify(obj))}`)
      const watchPath = `${cmPath(ns)}?watch=1&resourceVersion=${rv}`
      let ended = 0
      let errorEvent
      return {
        describe: `${watchers} x GET ${watchPath}; PUT ${cmPath(ns, 'watched')} with data.seq/ts`,
        watch: {
          open: async (i, onSeq) => {
            let closing = false
            const s = await openLineStream(target, {
              path: watchPath,
              headers: { 'Accept-Encoding': 'identity', Accept: 'application/json' },
              onLine: (line, t) => {
                let ev
                try { ev = JSON.parse(line) } catch { return }
                if (ev.type === 'ERROR') { if (!errorEvent) { errorEvent = line; log(`watch ${i}: ERROR event: ${snippet(line, 300)}`) } return }
                const o = ev.object
                if (o?.metadata?.name === 'watched' && o.data?.seq !== undefined) onSeq(Number(o.data.seq), t)
              },
              onEnd: (why) => { if (!closing && ended++ === 0) log(`a watch stream ended early (${why})`) },
            })
            return () => { closing = true; s.close() }
          },
          write: async (seq) => {
            await expectOk(target, {
              method: 'PUT', path: cmPath(ns, 'watched'),
              body: configMap({ name: 'watched' }, 200, { seq: String(seq), ts: new Date().toISOString() }),
            })
          },
        },
      }
    },
  }
}
