// Runs `wrangler dev` for the start scripts: offline, in its own process
// group, with signals forwarded to the whole group so that wrangler *and* its
// workerd children stop (killing only wrangler's Node process would orphan
// workerd), and a line once the API answers.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const WRANGLER = path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js')

export const say = (m) => console.log(`[edgekube] ${m}`)

/** PORT and EDGEKUBE_STATE from the environment, checked. */
export function settings(defaultPort) {
  const port = Number(process.env.PORT || defaultPort)
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error(`[edgekube] invalid PORT=${process.env.PORT}`)
    process.exit(2)
  }
  if (!fs.existsSync(WRANGLER)) {
    console.error(`[edgekube] ${WRANGLER} not found: run npm install first`)
    process.exit(1)
  }
  const state = path.resolve(ROOT, process.env.EDGEKUBE_STATE || '.wrangler/state')
  fs.mkdirSync(state, { recursive: true })
  return { port, state, logLevel: process.env.EDGEKUBE_LOG_LEVEL || 'info' }
}

/**
 * Starts wrangler dev with `args` after the common ones; `ready()` resolves
 * true once GET /readyz answers 200.
 */
export function runDev({ port, state, logLevel, args, ready, url }) {
  const child = spawn(process.execPath, [
    WRANGLER, 'dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--persist-to', state,
    '--log-level', logLevel,
    '--show-interactive-dev-session=false',
    ...args,
  ], {
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
    say(`${signal}: stopping wrangler and workerd (process group ${child.pid})`)
    killGroup('SIGTERM')
    const t = setTimeout(() => {
      say('still running after 5 s, sending SIGKILL')
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
      if (await ready().catch(() => false)) {
        say(`ready: ${url} (GET /readyz = 200)`)
        return
      }
      await new Promise((r) => setTimeout(r, 500))
    }
    if (!stopping) say(`${url}/readyz has not answered 200 after 120 s; see the wrangler output above`)
  })()
}
