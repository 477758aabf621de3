#!/usr/bin/env node
// npm run restore -- [--server URL | --kubeconfig FILE] [--token T] --in FILE [--force]
//
// Loads a backup (npm run backup) into a cluster: each shard's objects are
// staged in pages, then replace the shard's whole state in one transaction,
// keeping every uid, resourceVersion and ownerReference. The shard's own
// resourceVersion moves past the backup's and counts as compacted there, so
// watchers and lists from before get 410 and list again. A cluster that
// holds namespaces of its own (beyond default and kube-*) is refused unless
// --force: a restore replaces everything.
import fs from 'node:fs'
import readline from 'node:readline'
import { connect, count, flags } from './lib/admin-client.mjs'

const opts = flags(process.argv.slice(2), { server: 'value', kubeconfig: 'value', token: 'value', in: 'value', force: 'flag' })
if (!opts.in) {
  console.error('usage: npm run restore -- [--server URL | --kubeconfig FILE] [--token T] --in FILE [--force]')
  process.exit(2)
}
const api = connect(opts)
/** A stage request stays well under the server's 3 MiB body limit. */
const STAGE_BYTES = 1.5 * 1024 * 1024
const SYSTEM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease'])

async function main() {
  if (!opts.force) {
    const { items } = await api.request('GET', '/api/v1/namespaces')
    const own = items.map((n) => n.metadata.name).filter((n) => !SYSTEM_NAMESPACES.has(n))
    if (own.length) throw new Error(`${api.server} is not empty (namespaces ${own.slice(0, 5).join(', ')}${own.length > 5 ? ', ...' : ''}); a restore replaces everything: add --force to go on`)
  }
  const lines = readline.createInterface({ input: fs.createReadStream(opts.in), crlfDelay: Infinity })
  let header
  let shard
  let batch = []
  let bytes = 0
  let staged = 0
  const flush = async () => {
    if (!batch.length && staged > 0) return
    const first = staged === 0
    await api.request('POST', `/admin/v1/shards/${encodeURIComponent(shard.name)}/restore/stage${first ? '?first=true' : ''}`, batch)
    staged += batch.length
    batch = []
    bytes = 0
    process.stderr.write(`\rrestore: shard ${shard.name}: ${count(staged)} objects staged`)
  }
  const results = []
  for await (const line of lines) {
    if (!line.trim()) continue
    const rec = JSON.parse(line)
    if (!header) {
      if (rec.kind !== 'Backup' || rec.apiVersion !== 'edgekube.dev/v1') throw new Error(`${opts.in} is not an edgekube backup (its first line is no Backup header)`)
      header = rec
    } else if (rec.kind === 'Shard') {
      shard = rec
      staged = 0
    } else if (rec.kind === 'ShardEnd') {
      await flush()
      if (staged !== rec.count) throw new Error(`shard ${rec.name}: the file holds ${staged} objects, its ShardEnd says ${rec.count}`)
      const done = await api.request('POST', `/admin/v1/shards/${encodeURIComponent(rec.name)}/restore/commit`, { resourceVersion: shard.resourceVersion, count: rec.count })
      process.stderr.write(`\rrestore: shard ${rec.name}: ${count(rec.count)} objects from resourceVersion ${shard.resourceVersion} restored; the shard is now at ${done.resourceVersion}\n`)
      results.push(rec.name)
      shard = undefined
    } else {
      if (!shard) throw new Error(`${opts.in}: an object outside any shard`)
      const size = line.length
      if (bytes + size > STAGE_BYTES && batch.length) await flush()
      batch.push(rec)
      bytes += size
    }
  }
  if (shard) throw new Error(`${opts.in} ends inside shard ${shard.name}: the backup is incomplete`)
  if (!header?.shards?.every((s) => results.includes(s))) throw new Error(`${opts.in} lacks shards it names (${header?.shards})`)
  console.log(`restore: ${opts.in} restored into ${api.server} (${results.length} shard${results.length === 1 ? '' : 's'})`)
}

main().catch((e) => {
  console.error(`\nrestore: ${e.message}`)
  process.exitCode = 1
}).finally(() => api.close())
