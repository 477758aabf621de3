#!/usr/bin/env node
// `npm start`: runs edgekube locally under `wrangler dev`, offline.
//
//   PORT=8080                      port to listen on (127.0.0.1 only)
//   EDGEKUBE_STATE=.wrangler/state folder where the Durable Object's SQLite state persists
//   EDGEKUBE_LOG_LEVEL=info        wrangler log level (debug|info|log|warn|error|none)
//
// Extra arguments are passed through to wrangler dev, e.g.
//   npm start -- --var EDGEKUBE_HISTORY_SECONDS:60
//
// This is the insecure loopback port: no authentication, every request acts
// as a cluster admin (system:admin in system:masters). `npm run start:secure`
// is the authenticated https server.
//
// wrangler runs in its own process group; SIGINT/SIGTERM/SIGHUP sent to this
// script are forwarded to the whole group so wrangler *and* its workerd
// children stop (killing only wrangler's Node process would orphan workerd).

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const WRANGLER = path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js')

const port = Number(process.env.PORT || 8080)
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`[edgekube] invalid PORT=${process.env.PORT}`)
  process.exit(2)
}
const state = path.resolve(ROOT, process.env.EDGEKUBE_STATE || '.wrangler/state')
const logLevel = process.env.EDGEKUBE_LOG_LEVEL || 'info'
const url = `http://127.0.0.1:${port}`

if (!fs.existsSync(WRANGLER)) {
  console.error(`[edgekube] ${WRANGLER} not found: run npm install first`)
  process.exit(1)
}
fs.mkdirSync(state, { recursive: true })

const args = [
  WRANGLER, 'dev',
  '--ip', '127.0.0.1',
  '--port', String(port),
  '--persist-to', state,
  '--log-level', logLevel,
  '--show-interactive-dev-session=false',
  // The one switch that turns authentication off: this is kube's old insecure
  // port, on loopback only. Plain `wrangler dev` and deployments never get it.
  '--var', 'EDGEKUBE_INSECURE_PORT:true',
  ...process.argv.slice(2),
]

const kubectl = fs.existsSync(path.join(ROOT, '.tools/kubectl')) ? '.tools/kubectl' : 'kubectl'
console.log(`[edgekube] starting wrangler dev (offline) on ${url}`)
console.log(`[edgekube] state folder: ${state}`)
console.log(`[edgekube] point kubectl at it:`)
console.log(`[edgekube]   ${kubectl} --server ${url} get namespaces`)
console.log(`[edgekube] or add it to a kubeconfig:`)
console.log(`[edgekube]   ${kubectl} config set-cluster edgekube --server=${url}`)
console.log(`[edgekube]   ${kubectl} config set-context edgekube --cluster=edgekube --user=edgekube`)
console.log(`[edgekube]   ${kubectl} config set-credentials edgekube --token=unused-over-http`)
console.log(`[edgekube]   ${kubectl} config use-context edgekube`)
if (kubectl === 'kubectl') console.log(`[edgekube] (node scripts/tools.mjs unpacks kubectl and helm into .tools/)`)
console.log(`[edgekube] Ctrl-C stops the server.`)

const child = spawn(process.execPath, args, {
  cwd: ROOT,
  // Own process group, so the whole tree (wrangler + workerd) can be signalled at once.
  detached: true,
  // No stdin: a background process group reading the terminal would be stopped (SIGTTIN).
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    CLOUDFLARE_CF_FETCH_ENABLED: 'false', // do not download Request.cf from workers.cloudflare.com
    WRANGLER_SEND_METRICS: 'false',
  },
})

let stopping = false
let exitCode = 0
function killGroup(signal) {
  try {
    process.kill(-child.pid, signal)
  } catch (err) {
    if (err.code !== 'ESRCH') console.error(`[edgekube] kill ${signal}: ${err.message}`)
  }
}
function stop(signal) {
  if (stopping) {
    // Second Ctrl-C: do not wait any longer.
    killGroup('SIGKILL')
    return
  }
  stopping = true
  exitCode = signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143
  console.log(`\n[edgekube] ${signal}: stopping wrangler and workerd (process group ${child.pid})`)
  killGroup('SIGTERM')
  const t = setTimeout(() => {
    console.log('[edgekube] still running after 5 s, sending SIGKILL')
    killGroup('SIGKILL')
  }, 5000)
  t.unref()
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => stop(sig))
// If this script dies for another reason, do not leave wrangler behind.
process.on('exit', () => killGroup('SIGKILL'))

child.on('error', (err) => {
  console.error(`[edgekube] failed to start wrangler: ${err.message}`)
  process.exit(1)
})
child.on('exit', (code, signal) => {
  // wrangler's own exit: make sure its workerd children are gone as well.
  killGroup('SIGTERM')
  if (!stopping) {
    console.error(`[edgekube] wrangler exited (${signal ?? `code ${code}`})`)
    process.exit(code ?? 1)
  }
  process.exit(exitCode)
})

// Tell the user when the API server answers.
;(async () => {
  const deadline = Date.now() + 120_000
  while (!stopping && Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) })
      await res.arrayBuffer()
      if (res.status === 200) {
        console.log(`[edgekube] ready: ${url} (GET /readyz = 200)`)
        return
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 500))
  }
  if (!stopping) console.log(`[edgekube] ${url}/readyz has not answered 200 after 120 s; see the wrangler output above`)
})()
