// A real Prometheus server scraping an edgekube, for the metrics tests:
// Debian's build, unpacked into .tools (scripts/debian-tool.mjs), run in its
// own scratch folder and process group, and ended by that group's id.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { debianTool } from '../../scripts/debian-tool.mjs'
import { freePort, killGroup } from './harness'

export interface Prometheus {
  url: string
  promtool: string
  stop(): Promise<void>
}

/** Starts Prometheus scraping `target` every second; undefined (with the reason printed) when it cannot run here. */
export async function startPrometheus(target: URL, scratch: string): Promise<Prometheus | undefined> {
  let root: string
  try {
    root = debianTool('prometheus', (m: string) => console.log(`[prometheus] ${m}`))
  } catch (e) {
    console.warn(`[prometheus] SKIPPED: ${(e as Error).message}`)
    return undefined
  }
  const dir = fs.mkdtempSync(path.join(scratch, 'prometheus-'))
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), [
    'global: {scrape_interval: 1s, evaluation_interval: 1s}',
    'scrape_configs:',
    '- job_name: edgekube',
    `  scheme: ${target.protocol.replace(':', '')}`,
    '  metrics_path: /metrics',
    `  static_configs: [{targets: ["${target.host}"]}]`,
    '',
  ].join('\n'))
  const port = await freePort()
  const log = fs.openSync(path.join(dir, 'prometheus.log'), 'w')
  const child = spawn(path.join(root, 'usr/bin/prometheus'), [
    `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ], { cwd: dir, detached: true, stdio: ['ignore', log, log] })
  const url = `http://127.0.0.1:${port}`
  const stop = async () => { if (child.pid) await killGroup(child.pid) }
  const deadline = Date.now() + 60_000
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)
    if (ready) break
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      console.warn(`[prometheus] SKIPPED: it did not start: ${fs.readFileSync(path.join(dir, 'prometheus.log'), 'utf8').slice(-500)}`)
      return undefined
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  return { url, promtool: path.join(root, 'usr/bin/promtool'), stop }
}
