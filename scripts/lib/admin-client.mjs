// How backup and restore reach a server: --server URL (default the local
// `npm start`, http://127.0.0.1:8080) with --token, or --kubeconfig FILE
// (its current context: server, CA, client certificate or token).
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { parse } from 'yaml'

/** Reads --name value pairs (and bare --flags) from argv. */
export function flags(argv, known) {
  const out = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a)
    if (!m || !(m[1] in known)) throw new Error(`unknown argument ${a}; known: ${Object.keys(known).map((k) => `--${k}`).join(' ')}`)
    if (known[m[1]] === 'flag') out[m[1]] = true
    else out[m[1]] = m[2] ?? argv[++i]
    if (out[m[1]] === undefined) throw new Error(`--${m[1]} needs a value`)
  }
  return out
}

const fileOrData = (base, file, data) => (data ? Buffer.from(data, 'base64') : file ? fs.readFileSync(path(base, file)) : undefined)
const path = (base, f) => (f.startsWith('/') ? f : `${base}/${f}`)

/** The connection a kubeconfig's current context names. */
function fromKubeconfig(file) {
  const kc = parse(fs.readFileSync(file, 'utf8'))
  const base = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.'
  const ctx = kc.contexts?.find((c) => c.name === kc['current-context'])?.context
  if (!ctx) throw new Error(`${file} has no current context`)
  const cluster = kc.clusters?.find((c) => c.name === ctx.cluster)?.cluster
  const user = kc.users?.find((u) => u.name === ctx.user)?.user ?? {}
  if (!cluster?.server) throw new Error(`${file}: context ${kc['current-context']} has no cluster server`)
  return {
    server: cluster.server,
    ca: fileOrData(base, cluster['certificate-authority'], cluster['certificate-authority-data']),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    cert: fileOrData(base, user['client-certificate'], user['client-certificate-data']),
    key: fileOrData(base, user['client-key'], user['client-key-data']),
    token: user.token,
  }
}

export function connect(opts) {
  const c = opts.kubeconfig ? fromKubeconfig(opts.kubeconfig) : { server: opts.server ?? 'http://127.0.0.1:8080' }
  if (opts.server) c.server = opts.server
  if (opts.token) c.token = opts.token
  const url = new URL(c.server)
  const base = url.pathname.replace(/\/$/, '')
  const mod = url.protocol === 'https:' ? https : http
  const agent = new mod.Agent({ keepAlive: true, ca: c.ca, cert: c.cert, key: c.key, rejectUnauthorized: !c.insecure })

  /** One request; the answer's JSON, or an Error carrying the server's Status message. */
  function request(method, p, body) {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    return new Promise((resolve, reject) => {
      const req = mod.request({
        host: url.hostname, port: url.port || undefined, method, path: base + p, agent,
        headers: {
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          ...(c.token ? { authorization: `Bearer ${c.token}` } : {}),
        },
      }, (res) => {
        const chunks = []
        res.on('data', (d) => chunks.push(d))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString()
          let json
          try { json = JSON.parse(text) } catch { json = undefined }
          if (res.statusCode >= 200 && res.statusCode < 300) return resolve(json)
          const err = new Error(`${method} ${p}: ${res.statusCode} ${json?.message ?? text.slice(0, 300)}`)
          err.status = res.statusCode
          reject(err)
        })
      })
      req.on('error', (e) => reject(new Error(`${method} ${c.server}${p}: ${e.message}`)))
      req.end(payload)
    })
  }
  return { server: c.server, request, close: () => agent.destroy() }
}

/** "1,234" */
export const count = (n) => n.toLocaleString('en-US')
