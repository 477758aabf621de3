#!/usr/bin/env node
// npm run backup -- [--server URL | --kubeconfig FILE] [--token T] --out FILE
//
// Writes every object of every store shard, each shard read in pages at one
// resourceVersion (a consistent cut, as etcdctl snapshot save makes), to FILE
// as JSON lines: a Backup header, then per shard a Shard line with its
// resourceVersion, its objects (storage key, namespace, resourceVersion,
// selector attributes, the object) and a ShardEnd line with the count. The
// file appears only once it is complete.
import fs from 'node:fs'
import { connect, count, flags } from './lib/admin-client.mjs'

const opts = flags(process.argv.slice(2), { server: 'value', kubeconfig: 'value', token: 'value', out: 'value', 'page-size': 'value' })
if (!opts.out) {
  console.error('usage: npm run backup -- [--server URL | --kubeconfig FILE] [--token T] --out FILE')
  process.exit(2)
}
const api = connect(opts)
const pageSize = Number(opts['page-size'] ?? 500)
const tmp = `${opts.out}.partial`

/** One shard at one resourceVersion; undefined when that version was compacted under us (start over). */
async function backupShard(out, name) {
  let rv
  let next = ''
  let n = 0
  const lines = []
  for (;;) {
    const q = new URLSearchParams({ limit: String(pageSize), ...(rv ? { resourceVersion: rv } : {}), ...(next ? { continue: next } : {}) })
    let page
    try {
      page = await api.request('GET', `/admin/v1/shards/${encodeURIComponent(name)}/backup?${q}`)
    } catch (e) {
      if (e.status === 410) return undefined
      throw e
    }
    if (!rv) {
      rv = page.resourceVersion
      lines.push(JSON.stringify({ kind: 'Shard', name, resourceVersion: rv }))
    }
    for (const item of page.items) lines.push(JSON.stringify(item))
    n += page.items.length
    process.stderr.write(`\rbackup: shard ${name} at resourceVersion ${rv}: ${count(n)} objects`)
    if (!page.continue) break
    next = page.continue
  }
  lines.push(JSON.stringify({ kind: 'ShardEnd', name, count: n }))
  fs.appendFileSync(out, lines.join('\n') + '\n')
  process.stderr.write('\n')
  return { name, resourceVersion: rv, count: n }
}

try {
  const { shards } = await api.request('GET', '/admin/v1/shards')
  fs.writeFileSync(tmp, JSON.stringify({ apiVersion: 'edgekube.dev/v1', kind: 'Backup', server: api.server, created: new Date().toISOString(), shards: shards.map((s) => s.name) }) + '\n')
  const done = []
  for (const s of shards) {
    let result
    for (let attempt = 1; !result; attempt++) {
      result = await backupShard(tmp, s.name)
      if (!result && attempt >= 3) throw new Error(`shard ${s.name}: its history was compacted past the backup's resourceVersion three times; try a larger --page-size`)
      if (!result) process.stderr.write(`\nbackup: shard ${s.name}: history compacted while reading; starting it again\n`)
    }
    done.push(result)
  }
  fs.renameSync(tmp, opts.out)
  console.log(`backup: wrote ${opts.out}: ${done.map((d) => `shard ${d.name}, ${count(d.count)} objects at resourceVersion ${d.resourceVersion}`).join('; ')}`)
} catch (e) {
  fs.rmSync(tmp, { force: true })
  console.error(`\nbackup: ${e.message}`)
  process.exitCode = 1
} finally {
  api.close()
}
