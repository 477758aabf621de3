// End-to-end harness: runs edgekube the way a user does (the real `wrangler dev`
// CLI, offline, in its own process group), then drives it with the real kubectl
// binary, @kubernetes/client-node and plain HTTP.
//
//   const e2e = await setupE2E({ vars: { EDGEKUBE_HISTORY_SECONDS: '1' } })
//   await e2e.kubectl(['get', 'ns'])
//   await e2e.server.restart()
//   await e2e.close()
//
// Environment knobs:
//   E2E_LOG=1                       tee wrangler's output to stderr
//   E2E_KEEP=1                      keep each file's temp dir (state, kubeconfig, kubectl cache)
//   E2E_WRANGLER_CONFIG=path        use another wrangler config (harness self-test)
//   E2E_EXTERNAL_URL=http://h:p     test an already running server instead (restart() throws);
//                                   useful to check the tests themselves against another apiserver

import { execFile, spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as k8s from '@kubernetes/client-node'
import { ensureTools } from '../../scripts/tools.mjs'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const WRANGLER = path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js')

// Every process group we start, so that a crashing test worker still cleans up.
const liveGroups = new Set<number>()
process.on('exit', () => {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL')
    } catch {}
  }
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Kills a whole process group: SIGTERM, then SIGKILL after `graceMs`; resolves when the group is gone. */
export async function killGroup(pgid: number, graceMs = 5000): Promise<void> {
  try {
    process.kill(-pgid, 'SIGTERM')
  } catch {}
  const deadline = Date.now() + graceMs
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(50)
  if (groupAlive(pgid)) {
    try {
      process.kill(-pgid, 'SIGKILL')
    } catch {}
    const hard = Date.now() + 5000
    while (groupAlive(pgid) && Date.now() < hard) await sleep(50)
  }
  liveGroups.delete(pgid)
}

// ---------------------------------------------------------------------------
// Server

export interface ServerOptions {
  /** Worker vars, passed as `--var NAME:VALUE` (e.g. EDGEKUBE_HISTORY_SECONDS). */
  vars?: Record<string, string>
  /** Defaults to a fresh temp dir. */
  persistDir?: string
  /** Defaults to a free port. */
  port?: number
  /** How long to wait for GET /readyz == 200. */
  readyTimeoutMs?: number
  /**
   * Run as plain `wrangler dev` with the shipped config: authentication on.
   * By default the server runs as `npm start` does, on the insecure port.
   */
  secure?: boolean
  /**
   * Run `npm run start:secure` instead: https with the server's own CA,
   * authentication on, and an admin kubeconfig in the state folder.
   */
  tls?: boolean
  /** With tls: EDGEKUBE_TOKEN_AUTH_FILE, more static tokens. */
  tokenAuthFile?: string
}

export interface Server {
  url: string
  port: number
  persistDir: string
  /** Stops wrangler and its workerd children (the whole process group). */
  stop(): Promise<void>
  /** stop(), then start again on the same port with the same persist dir and vars. */
  restart(): Promise<void>
  /** The captured wrangler output (last ~1 MB). */
  logs(): string
  /** With tls: the admin kubeconfig start:secure wrote, and the CA's PEM. */
  adminKubeconfig?: string
  ca?: string
}

/** CA certificates of the https servers started here, by origin: httpRequest and rawWatch trust them. */
const trustedCAs = new Map<string, string>()
const caFor = (url: string) => trustedCAs.get(new URL(url).origin)

export async function startServer(opts: ServerOptions = {}): Promise<Server> {
  if (process.env.E2E_EXTERNAL_URL) return externalServer(process.env.E2E_EXTERNAL_URL)
  let port = opts.port ?? (await freePort())
  const persistDir = opts.persistDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'edgekube-e2e-state-'))
  const urlFor = (p: number) => `${opts.tls ? 'https' : 'http'}://127.0.0.1:${p}`
  let url = urlFor(port)
  const readyTimeoutMs = opts.readyTimeoutMs ?? 90_000
  const config = process.env.E2E_WRANGLER_CONFIG ? path.resolve(process.env.E2E_WRANGLER_CONFIG) : path.join(ROOT, 'wrangler.toml')
  let log = ''
  const append = (chunk: Buffer) => {
    const s = chunk.toString()
    if (process.env.E2E_LOG) process.stderr.write(s)
    log += s
    if (log.length > 1_000_000) log = log.slice(-800_000)
  }
  let child: ChildProcess | undefined

  async function launch(): Promise<void> {
    const inspectorPort = await freePort()
    const args = [
      WRANGLER, 'dev',
      '--config', config,
      '--ip', '127.0.0.1',
      '--port', String(port),
      '--inspector-port', String(inspectorPort),
      '--persist-to', persistDir,
      '--log-level', 'info',
      '--show-interactive-dev-session=false',
      // the test build: fault routes and planted bugs exist (src/testing/faults.ts)
      '--define', '__EDGEKUBE_TEST__:true',
    ]
    if (!opts.secure && !opts.tls) args.push('--var', 'EDGEKUBE_INSECURE_PORT:true')
    for (const [k, v] of Object.entries(opts.vars ?? {})) args.push('--var', `${k}:${v}`)
    append(Buffer.from(`\n[harness] ${new Date().toISOString()} starting ${opts.tls ? 'npm run start:secure' : 'wrangler dev'} on ${url} (state ${persistDir})\n`))
    // start:secure takes the same extra wrangler arguments (--var ...) after its own.
    const command = opts.tls ? [path.join(ROOT, 'scripts/start-secure.mjs'), '--inspector-port', String(inspectorPort), ...args.slice(args.indexOf('--show-interactive-dev-session=false') + 1)] : args
    const c = spawn(process.execPath, command, {
      cwd: ROOT,
      detached: true, // own process group: wrangler + both workerd processes die together
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: String(port),
        EDGEKUBE_STATE: persistDir,
        // a dev registry of its own: another suite's wrangler starting or stopping must not reload this one mid-request
        WRANGLER_REGISTRY_PATH: path.join(persistDir, 'wrangler-registry'),
        ...(opts.tokenAuthFile ? { EDGEKUBE_TOKEN_AUTH_FILE: opts.tokenAuthFile } : {}),
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        WRANGLER_SEND_METRICS: 'false',
        NO_COLOR: '1',
        FORCE_COLOR: '0',
      },
    })
    child = c
    liveGroups.add(c.pid!)
    c.stdout!.on('data', append)
    c.stderr!.on('data', append)
    let exited: string | undefined
    c.on('exit', (code, sig) => {
      exited = sig ?? `code ${code}`
      append(Buffer.from(`[harness] wrangler exited (${exited})\n`))
    })
    const deadline = Date.now() + readyTimeoutMs
    let last = ''
    while (Date.now() < deadline) {
      if (exited !== undefined) {
        await killGroup(c.pid!)
        throw new Error(`wrangler dev exited (${exited}) before ${url}/readyz answered 200\n--- wrangler output ---\n${log.slice(-8000)}`)
      }
      try {
        if (opts.tls && fs.existsSync(path.join(persistDir, 'pki/ca.crt'))) trustedCAs.set(new URL(url).origin, fs.readFileSync(path.join(persistDir, 'pki/ca.crt'), 'utf8'))
        const res = await httpRequest(url, 'GET', '/readyz', undefined, {}, 3000)
        last = `${res.status} ${res.text.slice(0, 200)}`
        if (res.status === 200) return
      } catch (err) {
        last = String((err as Error).cause ?? err)
      }
      await sleep(250)
    }
    await killGroup(c.pid!)
    throw new Error(`${url}/readyz did not answer 200 within ${readyTimeoutMs} ms (last: ${last})\n--- wrangler output ---\n${log.slice(-8000)}`)
  }

  async function stop(): Promise<void> {
    const c = child
    child = undefined
    if (!c?.pid) return
    await killGroup(c.pid)
  }

  // freePort() closes its probe before wrangler binds, so another suite's server can take the
  // port in between: on a clash at first start, take another port (a restart keeps its port).
  for (let attempt = 1; ; attempt++) {
    try {
      await launch()
      break
    } catch (err) {
      if (opts.port !== undefined || attempt >= 3 || !/EADDRINUSE|address already in use/i.test(String(err))) throw err
      port = await freePort()
      url = urlFor(port)
    }
  }
  return {
    url,
    port,
    persistDir,
    stop,
    async restart() {
      await stop()
      await launch()
    },
    logs: () => log,
    ...(opts.tls ? { adminKubeconfig: path.join(persistDir, 'admin.kubeconfig'), ca: caFor(url) } : {}),
  }
}

/**
 * E2E_EXTERNAL_URL=http://127.0.0.1:PORT runs the tests against an already running server
 * (for example a real kube-apiserver behind `kubectl proxy`, to check the tests themselves).
 * restart() is not possible then and throws.
 */
function externalServer(url: string): Server {
  const u = new URL(url)
  return {
    url: url.replace(/\/$/, ''),
    port: Number(u.port),
    persistDir: '',
    async stop() {},
    async restart() {
      throw new Error('restart() is not available with E2E_EXTERNAL_URL')
    },
    logs: () => '',
  }
}

// ---------------------------------------------------------------------------
// Plain HTTP

export interface HttpResult {
  status: number
  headers: Headers
  text: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any
}

export async function httpRequest(
  baseUrl: string,
  method: string,
  urlPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<HttpResult> {
  const ca = caFor(baseUrl)
  if (ca) return httpsRequest(ca, baseUrl + urlPath, method, body, headers, timeoutMs)
  const init: RequestInit = {
    method,
    headers: {
      accept: 'application/json',
      'accept-encoding': 'identity',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  }
  const res = await fetch(baseUrl + urlPath, init)
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, text, json }
}

/** The same over https, trusting `ca` (fetch cannot be given a CA). */
function httpsRequest(ca: string, url: string, method: string, body: unknown, headers: Record<string, string>, timeoutMs: number): Promise<HttpResult> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method, ca, timeout: timeoutMs,
      headers: { accept: 'application/json', 'accept-encoding': 'identity', ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (d) => chunks.push(d))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        const h = new Headers()
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v)
        resolve({ status: res.statusCode ?? 0, headers: h, text, json })
      })
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out after ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(payload)
  })
}

/** Formats a response for assertion messages: "POST /x -> 404 {...}". */
export function describeResponse(method: string, urlPath: string, r: HttpResult): string {
  return `${method} ${urlPath} -> ${r.status} ${r.text.slice(0, 600)}`
}

export interface WatchEvent {
  type: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  object: any
}

export interface RawWatch {
  /** HTTP status of the watch response. */
  status: Promise<number>
  events: WatchEvent[]
  /** Resolves when the stream ends (server closed it, or close() was called). */
  ended: Promise<void>
  isEnded(): boolean
  /** Resolves with the first event (from index `from`) matching `pred`. */
  waitFor(pred: (e: WatchEvent) => boolean, timeoutMs?: number, from?: number): Promise<WatchEvent>
  /** Starts reading a watch opened paused. */
  resume(): void
  close(): void
}

/**
 * A watch read with node:http (Accept-Encoding: identity), NDJSON parsed line
 * by line; `paused` reads the headers and then nothing until resume().
 */
export function rawWatch(baseUrl: string, urlPath: string, headers: Record<string, string> = {}, { paused = false } = {}): RawWatch {
  const events: WatchEvent[] = []
  let ended = false
  let endResolve!: () => void
  const endedP = new Promise<void>((r) => (endResolve = r))
  let statusResolve!: (n: number) => void
  let statusReject!: (e: Error) => void
  const statusP = new Promise<number>((res, rej) => {
    statusResolve = res
    statusReject = rej
  })
  statusP.catch(() => {})
  const waiters = new Set<() => void>()
  const notify = () => {
    for (const w of waiters) w()
  }
  const finish = () => {
    if (ended) return
    ended = true
    endResolve()
    notify()
  }
  const ca = caFor(baseUrl)
  const get = ca ? https.get : http.get
  let resume = () => {}
  const req = get(baseUrl + urlPath, { ...(ca ? { ca } : {}), headers: { accept: 'application/json', 'accept-encoding': 'identity', ...headers } }, (res) => {
    if (paused) {
      res.pause()
      resume = () => res.resume()
    }
    statusResolve(res.statusCode ?? 0)
    res.setEncoding('utf8')
    let buf = ''
    res.on('data', (chunk: string) => {
      buf += chunk
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim()
        buf = buf.slice(nl + 1)
        if (!line) continue
        try {
          events.push(JSON.parse(line))
        } catch {
          events.push({ type: 'UNPARSEABLE', object: line })
        }
      }
      notify()
    })
    res.on('end', () => {
      const rest = buf.trim()
      if (rest) {
        try {
          events.push(JSON.parse(rest))
        } catch {
          events.push({ type: 'UNPARSEABLE', object: rest })
        }
      }
      finish()
    })
    res.on('error', finish)
    res.on('close', finish)
  })
  req.on('error', (err) => {
    statusReject(err)
    finish()
  })
  return {
    status: statusP,
    events,
    ended: endedP,
    isEnded: () => ended,
    waitFor(pred, timeoutMs = 20_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.slice(from).find(pred)
          if (hit) {
            done()
            resolve(hit)
          } else if (ended) {
            done()
            reject(new Error(`watch ${urlPath} ended without a matching event; got ${JSON.stringify(events.map(summarize))}`))
          }
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`timed out waiting for a watch event on ${urlPath}; got ${JSON.stringify(events.map(summarize))}`))
        }, timeoutMs)
        const done = () => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
        check()
      })
    },
    resume: () => resume(),
    close() {
      req.destroy()
      finish()
    },
  }
}

export function summarize(e: WatchEvent): string {
  const m = e.object?.metadata ?? {}
  return `${e.type} ${m.name ?? e.object?.reason ?? ''} rv=${m.resourceVersion ?? ''}`
}

// ---------------------------------------------------------------------------
// kubectl

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
  timedOut: boolean
}

export interface KubectlOptions {
  input?: string
  env?: Record<string, string>
  /** Kill kubectl after this long (default 45 s); the result then has timedOut: true. */
  timeoutMs?: number
}

export interface Background {
  child: ChildProcess
  /** stdout lines received so far. */
  lines: string[]
  stderr(): string
  /** Resolves with the index of the first line (from index `from`) matching `pred`. */
  waitForLine(pred: (line: string) => boolean, timeoutMs?: number, from?: number): Promise<number>
  /** Resolves when kubectl exits. */
  exited: Promise<number | null>
  stop(): Promise<void>
}

// ---------------------------------------------------------------------------
// Table parsing (kubectl's aligned columns)

/** Splits kubectl's aligned table output into records keyed by header (e.g. "NOMINATED NODE"). */
export function parseTable(out: string): Record<string, string>[] {
  const lines = out.split('\n').filter((l) => l.trim() !== '')
  if (!lines.length) return []
  return parseRows(lines[0], lines.slice(1))
}

export function tableColumns(header: string): { name: string; start: number }[] {
  const cols: { name: string; start: number }[] = []
  const re = /\S+(?: \S+)*/g
  let m: RegExpExecArray | null
  while ((m = re.exec(header))) cols.push({ name: m[0], start: m.index })
  return cols
}

export function parseRows(header: string, rows: string[]): Record<string, string>[] {
  const cols = tableColumns(header)
  return rows.map((line) => {
    const rec: Record<string, string> = {}
    cols.forEach((c, i) => {
      const end = i + 1 < cols.length ? cols[i + 1].start : undefined
      rec[c.name] = line.slice(c.start, end).trim()
    })
    return rec
  })
}

/**
 * For `get -w` output: every watch event is printed on its own, so rows are not aligned
 * with the header. Splits the header on 2+ spaces and each row on any whitespace (fine
 * for columns whose values have no spaces).
 */
export function parseWatchRows(header: string, rows: string[]): Record<string, string>[] {
  const names = header.trim().split(/\s{2,}/)
  return rows
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const cells = line.trim().split(/\s+/)
      const rec: Record<string, string> = {}
      names.forEach((n, i) => (rec[n] = i === names.length - 1 ? cells.slice(i).join(' ') : (cells[i] ?? '')))
      return rec
    })
}

// ---------------------------------------------------------------------------
// The per-test-file environment

export interface E2E {
  server: Server
  url: string
  tmpDir: string
  kubeconfigPath: string
  kubectlPath: string
  helmPath: string
  kubectl(args: string[], opts?: KubectlOptions): Promise<RunResult>
  kubectlBackground(args: string[], opts?: { env?: Record<string, string> }): Background
  /** A client-node KubeConfig for the same server (insecure-skip-tls-verify, required for http). */
  kubeConfig(): k8s.KubeConfig
  http(method: string, urlPath: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult>
  watch(urlPath: string, headers?: Record<string, string>): RawWatch
  close(): Promise<void>
}

/** helm with the E2E's kubeconfig and a home of its own (its caches and plugins stay in the scratch folder). */
export function helm(e2e: E2E, args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(e2e.helmPath, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: e2e.tmpDir, KUBECONFIG: e2e.kubeconfigPath },
      timeout: timeoutMs,
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }))
  })
}

export function writeKubeconfig(file: string, url: string): void {
  // insecure-skip-tls-verify: client-node refuses http:// without it; kubectl ignores it for http.
  const yaml = `apiVersion: v1
kind: Config
clusters:
- name: edgekube
  cluster:
    server: ${url}
    insecure-skip-tls-verify: true
users:
- name: e2e
  user:
    token: e2e-token
contexts:
- name: edgekube
  context:
    cluster: edgekube
    user: e2e
    namespace: default
current-context: edgekube
preferences: {}
`
  fs.writeFileSync(file, yaml, { mode: 0o600 })
}

export async function setupE2E(opts: ServerOptions = {}): Promise<E2E> {
  const tools = ensureTools()
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgekube-e2e-'))
  // E2E_TLS=1 runs a suite against `npm run start:secure` with its admin kubeconfig instead of the insecure port.
  const tls = opts.tls ?? (process.env.E2E_TLS === '1' && !opts.secure)
  const server = await startServer({ persistDir: path.join(tmpDir, 'state'), ...opts, tls })
  const kubeconfigPath = path.join(tmpDir, 'kubeconfig')
  if (server.adminKubeconfig) fs.copyFileSync(server.adminKubeconfig, kubeconfigPath)
  else writeKubeconfig(kubeconfigPath, server.url)
  // Over TLS, plain HTTP requests carry the admin's token as kubectl does.
  const adminToken = server.adminKubeconfig ? /token: (\S+)/.exec(fs.readFileSync(server.adminKubeconfig, 'utf8'))?.[1] : undefined
  const auth: Record<string, string> = adminToken ? { authorization: `Bearer ${adminToken}` } : {}
  const cacheDir = path.join(tmpDir, 'kube-cache')
  const children = new Set<ChildProcess>()

  const baseEnv = (extra?: Record<string, string>) => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: tmpDir, // nothing from the developer's ~/.kube leaks in
    KUBECONFIG: kubeconfigPath,
    ...extra,
  })
  // Flags go before a `--` (kubectl create deployment NAME -- COMMAND...): after it they would be the command's.
  const fullArgs = (args: string[]) => {
    const end = args.indexOf('--')
    return end < 0 ? [...args, `--cache-dir=${cacheDir}`] : [...args.slice(0, end), `--cache-dir=${cacheDir}`, ...args.slice(end)]
  }

  function kubectl(args: string[], o: KubectlOptions = {}): Promise<RunResult> {
    return new Promise((resolve) => {
      const child = spawn(tools.kubectl, fullArgs(args), { env: baseEnv(o.env), stdio: ['pipe', 'pipe', 'pipe'] })
      children.add(child)
      let stdout = ''
      let stderr = ''
      let timedOut = false
      child.stdout.on('data', (d) => (stdout += d))
      child.stderr.on('data', (d) => (stderr += d))
      const timer = setTimeout(() => {
        timedOut = true
        child.kill('SIGKILL')
      }, o.timeoutMs ?? 45_000)
      child.on('close', (code) => {
        clearTimeout(timer)
        children.delete(child)
        resolve({ code, stdout, stderr, timedOut })
      })
      child.stdin.on('error', () => {})
      child.stdin.end(o.input ?? '')
    })
  }

  function kubectlBackground(args: string[], o: { env?: Record<string, string> } = {}): Background {
    const child = spawn(tools.kubectl, fullArgs(args), { env: baseEnv(o.env), stdio: ['ignore', 'pipe', 'pipe'] })
    children.add(child)
    const lines: string[] = []
    let stderr = ''
    let partial = ''
    let done = false
    const waiters = new Set<() => void>()
    const notify = () => {
      for (const w of waiters) w()
    }
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (d: string) => {
      partial += d
      let nl: number
      while ((nl = partial.indexOf('\n')) >= 0) {
        lines.push(partial.slice(0, nl))
        partial = partial.slice(nl + 1)
      }
      notify()
    })
    child.stderr!.on('data', (d) => (stderr += d))
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (code) => {
        if (partial) lines.push(partial)
        partial = ''
        done = true
        children.delete(child)
        notify()
        resolve(code)
      }),
    )
    return {
      child,
      lines,
      stderr: () => stderr,
      exited,
      waitForLine(pred, timeoutMs = 20_000, from = 0) {
        return new Promise((resolve, reject) => {
          const check = () => {
            for (let i = from; i < lines.length; i++) {
              if (pred(lines[i])) {
                finish()
                resolve(i)
                return
              }
            }
            if (done) {
              finish()
              reject(new Error(`kubectl ${args.join(' ')} exited without a matching line\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`))
            }
          }
          const timer = setTimeout(() => {
            finish()
            reject(new Error(`timed out waiting for a line from kubectl ${args.join(' ')}\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`))
          }, timeoutMs)
          const finish = () => {
            clearTimeout(timer)
            waiters.delete(check)
          }
          waiters.add(check)
          check()
        })
      },
      async stop() {
        if (!done) child.kill('SIGTERM')
        await exited
      },
    }
  }

  function kubeConfig(): k8s.KubeConfig {
    const kc = new k8s.KubeConfig()
    kc.loadFromFile(kubeconfigPath)
    return kc
  }

  return {
    server,
    url: server.url,
    tmpDir,
    kubeconfigPath,
    kubectlPath: tools.kubectl,
    helmPath: tools.helm,
    kubectl,
    kubectlBackground,
    kubeConfig,
    http: (method, urlPath, body, headers) => httpRequest(server.url, method, urlPath, body, { ...auth, ...headers }),
    watch: (urlPath, headers) => rawWatch(server.url, urlPath, { ...auth, ...headers }),
    async close() {
      for (const c of children) c.kill('SIGKILL')
      await server.stop()
      if (!process.env.E2E_KEEP) fs.rmSync(tmpDir, { recursive: true, force: true })
    },
  }
}

// ---------------------------------------------------------------------------
// Object builders and small helpers shared by the tests

export function pod(name: string, namespace: string, labels: Record<string, string> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
  }
}

export function configMap(name: string, namespace: string, data: Record<string, string> = {}, labels?: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ...(labels ? { labels } : {}) }, data }
}

export function namespace(name: string) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }
}

/** POSTs and insists on 201; returns the created object. */
export async function create(e2e: E2E, collectionPath: string, obj: unknown) {
  const r = await e2e.http('POST', collectionPath, obj)
  if (r.status !== 201) throw new Error(`expected 201: ${describeResponse('POST', collectionPath, r)}`)
  return r.json
}

/**
 * Creates a namespace and waits for what the controllers put in every one
 * (kube-root-ca.crt), so a test that counts its writes there sees only its own.
 */
export async function createNamespace(e2e: E2E, name: string) {
  await create(e2e, '/api/v1/namespaces', namespace(name))
  const p = `/api/v1/namespaces/${name}/configmaps/kube-root-ca.crt`
  await eventually(async () => (await e2e.http('GET', p)).status === 200, 30_000, p)
}

/** Polls `fn` until it returns a truthy value. */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v as Exclude<T, false | null | undefined | 0 | ''>
      last = v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`)
    await sleep(100)
  }
}
