// Node agents for end-to-end tests: `npm run agent` in its own process group
// with a state folder under the test's scratch folder; stop() ends the agent
// and every container process its process runtime started.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT, eventually, killGroup, type E2E } from './harness'

export interface Agent {
  name: string
  stateDir: string
  output(): string
  /** Resolves once the agent printed `text` (for example 'tunnel connected'). */
  waitFor(text: string, timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

/** Kills what an agent's process runtime left running (shims and container process groups). */
export function killContainers(stateDir: string) {
  const dir = path.join(stateDir, 'containers')
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    try {
      if (f.endsWith('.pid')) process.kill(-JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).pid, 'SIGKILL')
      if (f.endsWith('.json')) process.kill(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')).shimPid, 'SIGKILL')
    } catch {}
  }
}

/** Starts `npm run agent -- --name NAME --address 127.0.0.1 --state-dir ... ARGS`. */
export function startAgent(e: E2E, name: string, args: string[]): Agent {
  const stateDir = path.join(e.tmpDir, 'agents', name)
  let output = ''
  const child = spawn('npm', ['run', '--silent', 'agent', '--', '--name', name, '--address', '127.0.0.1', '--state-dir', stateDir, ...args], {
    cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' },
  })
  const append = (d: Buffer) => {
    output += d.toString()
    if (process.env.E2E_LOG) process.stderr.write(d)
  }
  child.stdout!.on('data', append)
  child.stderr!.on('data', append)
  return {
    name, stateDir,
    output: () => output,
    waitFor: (text, timeoutMs = 30_000) => eventually(() => output.includes(text), timeoutMs, `agent ${name} to print "${text}"; output:\n${output}`).then(() => undefined),
    async stop() {
      if (child.pid) await killGroup(child.pid, 5000)
      killContainers(stateDir)
    },
  }
}
