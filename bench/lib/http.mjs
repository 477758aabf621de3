// Small HTTP helpers for the benchmark: one request over node:http, a
// fixed-duration closed-loop load generator (N connections, each sending its
// next request as soon as the previous answer has been read in full), and
// percentile summaries. No dependencies.

import http from 'node:http'
import net from 'node:net'

/** Sends one request and reads the whole response body. */
export function request(target, { method = 'GET', path, headers = {}, body, agent, timeoutMs = 30_000 }) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
    const h = { ...headers }
    if (payload) {
      h['content-length'] = payload.length
      if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json'
    }
    const req = http.request({ host: target.host, port: target.port, method, path, headers: h, agent: agent ?? false }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
      res.on('aborted', () => reject(new Error(`${method} ${path}: response aborted`)))
    })
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(payload)
  })
}

/** Like request(), but throws (with the response body, e.g. a Kubernetes Status) unless the status is accepted. */
export async function expectOk(target, opts, ok = (s) => s >= 200 && s < 300) {
  const res = await request(target, opts)
  if (!ok(res.status)) throw new Error(`${opts.method ?? 'GET'} ${opts.path} -> HTTP ${res.status}: ${snippet(res.body)}`)
  return res
}

export function snippet(buf, max = 600) {
  const s = Buffer.isBuffer(buf) ? buf.toString('utf8') : String(buf)
  return s.length > max ? `${s.slice(0, max)}… (${s.length} bytes)` : s
}

/** Runs `fn(i)` for i in [0, n) with at most `concurrency` in flight. */
export async function pool(n, concurrency, fn) {
  let next = 0
  const workers = Array.from({ length: Math.min(concurrency, n) }, async () => {
    while (next < n) await fn(next++)
  })
  await Promise.all(workers)
}

export function percentile(sorted, q) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

export function summarize(latencies) {
  const s = Float64Array.from(latencies).sort()
  return { n: s.length, p50: percentile(s, 0.5), p99: percentile(s, 0.99), max: s.length ? s[s.length - 1] : NaN }
}

/**
 * Closed-loop load: `concurrency` keep-alive connections, each sending
 * `next(i)` (a request spec) back to back, first for `warmupMs` (not counted),
 * then for `durationMs`. Requests still in flight when the time is up are
 * finished and counted; req/s is completions over the measured wall time.
 * Non-2xx answers and socket errors count as errors; the first one is kept
 * with its body. Throws if no request of the measured window succeeded.
 */
export async function runLoad({ target, concurrency, durationMs, warmupMs = 1000, next, ok = (s) => s >= 200 && s < 300 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency })
  let seq = 0
  let firstError
  let bytes = 0
  const noteError = (msg) => { if (!firstError) firstError = msg }

  async function loop(until, rec) {
    while (performance.now() < until) {
      const spec = next(seq++)
      const t0 = performance.now()
      try {
        const res = await request(target, { ...spec, agent })
        const dt = performance.now() - t0
        if (ok(res.status)) {
          if (rec) { rec.lat.push(dt); bytes += res.body.length }
        } else {
          if (rec) rec.errors++
          noteError(`${spec.method ?? 'GET'} ${spec.path} -> HTTP ${res.status}: ${snippet(res.body)}`)
        }
      } catch (err) {
        if (rec) rec.errors++
        noteError(`${spec.method ?? 'GET'} ${spec.path} -> ${err.message}`)
        // A refused/broken connection fails fast; do not spin.
        await new Promise((r) => setTimeout(r, 10))
      }
    }
  }

  try {
    if (warmupMs > 0) {
      const w = performance.now() + warmupMs
      await Promise.all(Array.from({ length: concurrency }, () => loop(w, null)))
    }
    const rec = { lat: [], errors: 0 }
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const end = t0 + durationMs
    await Promise.all(Array.from({ length: concurrency }, () => loop(end, rec)))
    const wall = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    const st = summarize(rec.lat)
    if (st.n === 0) throw new Error(`every request failed (${rec.errors} errors); first: ${firstError ?? 'none'}`)
    return {
      rps: st.n / (wall / 1000),
      p50: st.p50,
      p99: st.p99,
      n: st.n,
      errors: rec.errors,
      firstError: rec.errors ? firstError : undefined,
      bytesPerResponse: bytes / st.n,
      clientCpu: (cpu.user + cpu.system) / 1000 / wall, // share of one core used by this Node process
    }
  } finally {
    agent.destroy()
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/**
 * Opens a streaming request and calls `onLine(line, tRecv)` for each
 * newline-delimited line of the response. Resolves with { res, close } once
 * the response headers are in (throws with the body on a non-200 status).
 */
export function openLineStream(target, { method = 'GET', path, headers = {}, body, onLine, onEnd }) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
    const h = { ...headers }
    if (payload) { h['content-length'] = payload.length; h['content-type'] ??= 'application/json' }
    const req = http.request({ host: target.host, port: target.port, method, path, headers: h, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => reject(new Error(`${method} ${path} -> HTTP ${res.statusCode}: ${snippet(Buffer.concat(chunks))}`)))
        return
      }
      res.setEncoding('utf8')
      let buf = ''
      res.on('data', (chunk) => {
        const t = performance.now()
        buf += chunk
        let i
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).trim()
          buf = buf.slice(i + 1)
          if (line) onLine(line, t)
        }
      })
      res.on('end', () => onEnd?.('end'))
      res.on('error', (e) => onEnd?.(e.message))
      res.on('aborted', () => onEnd?.('aborted'))
      resolve({ res, close: () => req.destroy() })
    })
    req.on('error', (e) => { reject(e); onEnd?.(e.message) })
    req.setTimeout(15_000, () => req.destroy(new Error(`${method} ${path}: no response headers within 15 s`)))
    req.end(payload)
    // After the headers arrive the stream may stay idle for long: no timeout.
    req.on('response', () => req.setTimeout(0))
  })
}

/**
 * Watch latency harness shared by edgekube and etcd. `open(i, onSeq)` opens
 * watcher i (resolving with a close function once it is registered);
 * each watcher calls onSeq(seq, tRecv) per event. `write(seq)` performs one
 * write carrying `seq`. Write 0 is a warm-up that also proves every watcher
 * is live; writes 1..writes are measured in lockstep: send a write, await
 * its answer, wait until every watcher has the event (or 5 s), then the next.
 */
export async function runWatch({ watchers, writes, open, write, log }) {
  const sentAt = new Map()
  const got = new Map() // seq -> count of watchers that received it
  const lat = []
  let waiting
  const onSeq = (seq, t) => {
    const s = sentAt.get(seq)
    if (s === undefined) return
    const c = (got.get(seq) ?? 0) + 1
    got.set(seq, c)
    if (seq > 0) lat.push(t - s)
    if (waiting && waiting.seq === seq && c >= watchers) waiting.resolve()
  }
  const waitAll = (seq, ms) => new Promise((resolve) => {
    if ((got.get(seq) ?? 0) >= watchers) return resolve(true)
    const t = setTimeout(() => { waiting = undefined; resolve(false) }, ms)
    waiting = { seq, resolve: () => { clearTimeout(t); waiting = undefined; resolve(true) } }
  })

  const closers = []
  try {
    const t0 = performance.now()
    await pool(watchers, 20, async (i) => { closers.push(await open(i, onSeq)) })
    log(`${watchers} watches open (${Math.round(performance.now() - t0)} ms)`)

    sentAt.set(0, performance.now())
    await write(0)
    const warm = await waitAll(0, 10_000)
    log(warm ? `warm-up event reached all ${watchers} watchers` : `warm-up event reached only ${got.get(0) ?? 0}/${watchers} watchers within 10 s; measuring anyway`)

    const writeLat = []
    const start = performance.now()
    for (let seq = 1; seq <= writes; seq++) {
      const ts = performance.now()
      sentAt.set(seq, ts)
      await write(seq)
      writeLat.push(performance.now() - ts)
      await waitAll(seq, 5000)
    }
    const wall = performance.now() - start
    const delivered = lat.length
    const missed = watchers * writes - delivered
    const st = summarize(lat)
    const wst = summarize(writeLat)
    return {
      rps: delivered / (wall / 1000),
      p50: st.p50,
      p99: st.p99,
      n: delivered,
      expected: watchers * writes,
      missed,
      writeP50: wst.p50,
      errors: missed,
    }
  } finally {
    for (const c of closers) try { c() } catch {}
  }
}

/**
 * A watch over a WebSocket, as kubectl's and client-go's websocket watch
 * (one event per message); same callbacks as openLineStream.
 */
export async function openWebSocketLines(target, { path, onLine, onEnd }) {
  const { default: WebSocket } = await import('ws')
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${target.host}:${target.port}${path}`)
    ws.once('open', () => resolve({ close: () => ws.terminate() }))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`GET ${path} (websocket) -> HTTP ${res.statusCode}`)))
    ws.once('error', (e) => { reject(e); onEnd?.(e.message) })
    ws.on('message', (data) => {
      const t = performance.now()
      const line = String(data).trim()
      if (line) onLine(line, t)
    })
    ws.once('close', () => onEnd?.('closed'))
  })
}
