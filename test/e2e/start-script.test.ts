// `npm start` (scripts/start.mjs): serves on $PORT with state in $EDGEKUBE_STATE, and
// Ctrl-C (SIGINT) stops wrangler *and* its workerd children.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { eventually, freePort, httpRequest, killGroup, ROOT } from './harness'

const cleanup: (() => Promise<void> | void)[] = []
afterAll(async () => {
  for (const f of cleanup.reverse()) await f()
})

function groupGone(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

describe('npm start', () => {
  it('serves the API on $PORT, keeps state in $EDGEKUBE_STATE, and SIGINT stops the whole process tree', async () => {
    if (process.env.E2E_EXTERNAL_URL) return // nothing of ours to start
    const port = await freePort()
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'edgekube-start-'))
    cleanup.push(() => fs.rmSync(state, { recursive: true, force: true }))
    // Its own process group too, so that a failing test can still clean everything up.
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PORT: String(port), EDGEKUBE_STATE: state, EDGEKUBE_LOG_LEVEL: 'warn' },
    })
    cleanup.push(() => killGroup(child.pid!))
    let out = ''
    child.stdout!.on('data', (d) => (out += d))
    child.stderr!.on('data', (d) => (out += d))
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))

    await eventually(() => out.includes('[edgekube] ready'), 90_000, `the ready line\n${out}`)
    expect(out).toContain(`http://127.0.0.1:${port}`)
    expect(out).toContain(state)

    const url = `http://127.0.0.1:${port}`
    expect((await httpRequest(url, 'GET', '/readyz')).status).toBe(200)
    const ns = await httpRequest(url, 'GET', '/api/v1/namespaces/default')
    expect(ns.status).toBe(200)
    // The Durable Object's SQLite files live under the state folder.
    expect(fs.readdirSync(state).length).toBeGreaterThan(0)

    child.kill('SIGINT')
    const code = await exited
    expect(code).toBe(130)
    const pgid = Number(/process group (\d+)/.exec(out)?.[1])
    expect(pgid, out).toBeGreaterThan(0)
    await eventually(() => groupGone(pgid), 15_000, `wrangler's process group ${pgid} to exit`)
    await expect(fetch(`${url}/readyz`)).rejects.toThrow()
  })
})
