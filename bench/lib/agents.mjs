// Node agents for benchmarks: `agent/main.ts` as a child in its own process
// group on a free port, ready once it printed `ready` (the kubelet API
// listening, or the tunnel connected).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { freePort } from './http.mjs'

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

export async function startAgent({ root, name, url, stateDir, extra = [], ready = 'kubelet API listening' }) {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'agent/main.ts', '--name', name, '--server', url, '--address', '127.0.0.1', '--port', String(port), '--state-dir', stateDir, ...extra], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, NO_COLOR: '1' },
  })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { out += d })
  const started = (async () => {
    for (let i = 0; i < 600 && !out.includes(ready); i++) {
      if (child.exitCode !== null) throw new Error(`agent ${name} exited:\n${out.slice(-2000)}`)
      await sleep(50)
    }
    if (!out.includes(ready)) throw new Error(`agent ${name} did not start:\n${out.slice(-2000)}`)
  })()
  /** SIGTERM to its group; resolves once it exited (SIGKILL after 5 s), so its state folder can go. */
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL') } catch {} }, 5000)
    child.once('exit', () => { clearTimeout(timer); resolve() })
    try { process.kill(-child.pid, 'SIGTERM') } catch { clearTimeout(timer); resolve() }
  })
  return { name, child, started, stateDir, output: () => out, stop }
}

/** Ends what an agent's process runtime left running: its containers outlive the agent (the next one adopts them). */
export function killProcessContainers(stateDir) {
  const dir = path.join(stateDir, 'containers')
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!f.endsWith('.pid')) continue
    try { process.kill(-JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).pid, 'SIGKILL') } catch {}
  }
}
