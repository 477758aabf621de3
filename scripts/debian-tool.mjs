#!/usr/bin/env node
// A Debian package's files, unpacked into .tools/<package>/ without installing
// it: `apt-get download` and `dpkg -x`, so no maintainer script runs, no
// service starts and nothing outside the folder changes. For tools the tests
// run themselves (Prometheus, promtool), each from its own scratch folder.
//
//   node scripts/debian-tool.mjs prometheus     # prints the unpacked root
//   import { debianTool } from './scripts/debian-tool.mjs'

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/**
 * The unpacked root of `pkg` (its files under root/usr/bin/...), downloading
 * it on first use; throws with the reason when it cannot be had here.
 */
export function debianTool(pkg, log = () => {}) {
  const dir = path.join(ROOT, '.tools', pkg)
  const root = path.join(dir, 'root')
  if (fs.existsSync(path.join(dir, '.unpacked'))) return root
  fs.mkdirSync(dir, { recursive: true })
  const run = (cmd, args) => spawnSync(cmd, args, { cwd: dir, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, encoding: 'utf8' })
  for (const bin of ['apt-get', 'dpkg']) {
    if (run('sh', ['-c', `command -v ${bin}`]).status !== 0) throw new Error(`${pkg}: there is no ${bin} here`)
  }
  log(`downloading the Debian package ${pkg}`)
  let got = run('apt-get', ['download', pkg])
  if (got.status !== 0 && process.getuid?.() === 0) {
    log('apt-get download failed; running apt-get update first')
    run('apt-get', ['update'])
    got = run('apt-get', ['download', pkg])
  }
  const deb = fs.readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'))
  if (got.status !== 0 || !deb) throw new Error(`${pkg}: apt-get download failed: ${(got.stderr || got.stdout || '').trim().split('\n').pop()}`)
  log(`unpacking ${deb}`)
  fs.rmSync(root, { recursive: true, force: true })
  const x = run('dpkg', ['-x', deb, root])
  if (x.status !== 0) throw new Error(`${pkg}: dpkg -x failed: ${x.stderr.trim()}`)
  fs.rmSync(path.join(dir, deb))
  fs.writeFileSync(path.join(dir, '.unpacked'), `${deb}\n`)
  return root
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const pkg = process.argv[2]
  if (!pkg) {
    console.error('usage: node scripts/debian-tool.mjs PACKAGE')
    process.exit(2)
  }
  try {
    console.log(debianTool(pkg, (m) => console.error(`[${pkg}] ${m}`)))
  } catch (e) {
    console.error(e.message)
    process.exit(1)
  }
}
