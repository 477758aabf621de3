#!/usr/bin/env node
// `npm run bench:crd`: what custom resources cost against built-in kinds. In
// one edgekube (the deploy bundle in Miniflare, as `npm run bench`), N
// ConfigMaps and then N custom resources of a mid-size schema with two CEL
// rules are created with the same concurrency, then listed whole; reported:
// creates per second, the full list's time, and the custom resources' figures
// as a ratio to the ConfigMaps' (same run, same machine, same store).
//
// Knobs (environment): BENCH_OBJECTS=10000  BENCH_CONCURRENCY=16  BENCH_ROUNDS=2
// Writes bench/crd.md.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildWorker, startMiniflare } from './lib/edgekube.mjs'
import { expectOk, pool, request, snippet } from './lib/http.mjs'

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(BENCH_DIR, '..')
const RESULTS = path.join(BENCH_DIR, 'crd.md')

const int = (name, def) => {
  const v = Number(process.env[name] ?? def)
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}=${process.env[name]} is not a positive integer`)
  return v
}
const CFG = { objects: int('BENCH_OBJECTS', 10_000), concurrency: int('BENCH_CONCURRENCY', 16), rounds: int('BENCH_ROUNDS', 2) }

const T0 = performance.now()
const say = (msg) => console.log(`[${((performance.now() - T0) / 1000).toFixed(1).padStart(6)}s] ${msg}`)

const GROUP = 'bench.example.com'

/** A mid-size schema (the shape of a typical operator's spec: nested objects, lists, enums, bounds) with two CEL rules. */
const crd = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `databases.${GROUP}` },
  spec: {
    group: GROUP, scope: 'Namespaced', names: { plural: 'databases', singular: 'database', kind: 'Database' },
    versions: [{
      name: 'v1', served: true, storage: true,
      schema: {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            spec: {
              type: 'object', required: ['engine', 'version', 'storage'],
              'x-kubernetes-validations': [
                { rule: 'self.replicas >= self.minReplicas', message: 'replicas must be at least minReplicas' },
                { rule: "self.engine != 'postgres' || self.version.startsWith('1')", messageExpression: "'postgres ' + self.version + ' is not supported'" },
              ],
              properties: {
                engine: { type: 'string', enum: ['postgres', 'mysql', 'mariadb'] },
                version: { type: 'string', maxLength: 16, pattern: '^[0-9]+(\\.[0-9]+)*$' },
                replicas: { type: 'integer', minimum: 0, maximum: 9, default: 1 },
                minReplicas: { type: 'integer', minimum: 0, default: 1 },
                storage: { type: 'object', required: ['size'], properties: { size: { type: 'string', maxLength: 16 }, className: { type: 'string', maxLength: 63 } } },
                backup: { type: 'object', properties: { schedule: { type: 'string', maxLength: 64 }, retainDays: { type: 'integer', minimum: 1, maximum: 365, default: 7 } } },
                users: { type: 'array', maxItems: 16, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 32 }, roles: { type: 'array', maxItems: 8, items: { type: 'string', maxLength: 32 }, 'x-kubernetes-list-type': 'set' } } } },
                parameters: { type: 'object', maxProperties: 32, additionalProperties: { type: 'string', maxLength: 128 } },
              },
            },
            status: { type: 'object', properties: { phase: { type: 'string' }, ready: { type: 'integer' } } },
          },
        },
      },
    }],
  },
}

const database = (ns, i) => ({
  apiVersion: `${GROUP}/v1`, kind: 'Database', metadata: { name: `db-${i}`, namespace: ns, labels: { app: 'bench' } },
  spec: {
    engine: 'postgres', version: '16.2', replicas: 3, minReplicas: 2, storage: { size: '10Gi', className: 'fast' },
    backup: { schedule: '0 3 * * *' }, users: [{ name: 'app', roles: ['read', 'write'] }, { name: 'report', roles: ['read'] }],
    parameters: { max_connections: '200', shared_buffers: '256MB' },
  },
})

/** A ConfigMap of about the same JSON size as a Database. */
function configMap(ns, i) {
  const size = JSON.stringify(database(ns, i)).length
  const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns, labels: { app: 'bench' } }, data: { payload: '' } }
  obj.data.payload = 'x'.repeat(Math.max(0, size - JSON.stringify(obj).length))
  return obj
}

async function createAll(target, collection, make) {
  const t0 = performance.now()
  let failed = 0
  await pool(CFG.objects, CFG.concurrency, async (i) => {
    const r = await request(target, { method: 'POST', path: collection, body: make(i) })
    if (r.status !== 201) { failed++; if (failed <= 3) say(`  create ${i} -> HTTP ${r.status}: ${snippet(r.body, 300)}`) }
  })
  const seconds = (performance.now() - t0) / 1000
  return { rate: CFG.objects / seconds, seconds, failed }
}

async function listAll(target, collection) {
  const t0 = performance.now()
  const r = await expectOk(target, { path: collection, timeoutMs: 300_000 })
  const ms = performance.now() - t0
  const items = JSON.parse(r.body.toString('utf8')).items.length
  return { ms, items, bytes: r.body.length }
}

async function main() {
  say(`custom resources vs ConfigMaps: ${CFG.objects.toLocaleString('en-US')} objects each, concurrency ${CFG.concurrency}, ${CFG.rounds} round(s)`)
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgekube-bench-crd-'))
  const scriptPath = await buildWorker(ROOT, outdir, (m) => say(`build: ${m}`))
  const { mf, target } = await startMiniflare({ root: ROOT, scriptPath, log: (m) => say(`miniflare: ${m}`) })
  const rows = []
  try {
    await expectOk(target, { method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: crd })
    for (let i = 0; i < 100; i++) {
      const r = await request(target, { path: `/apis/${GROUP}/v1/databases` })
      if (r.status === 200) break
      await new Promise((res) => setTimeout(res, 200))
    }
    say('CRD established')
    for (let round = 1; round <= CFG.rounds; round++) {
      const ns = `bench-${round}`
      await expectOk(target, { method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } })
      // the two kinds take turns being first, so neither always meets the fuller store
      const order = round % 2 === 1 ? ['cm', 'cr'] : ['cr', 'cm']
      const res = {}
      for (const k of order) {
        const collection = k === 'cm' ? `/api/v1/namespaces/${ns}/configmaps` : `/apis/${GROUP}/v1/namespaces/${ns}/databases`
        say(`round ${round}: creating ${CFG.objects.toLocaleString('en-US')} ${k === 'cm' ? 'ConfigMaps' : 'Databases'}...`)
        const created = await createAll(target, collection, (i) => (k === 'cm' ? configMap(ns, i) : database(ns, i)))
        say(`  ${Math.round(created.rate)} creates/s (${created.seconds.toFixed(1)} s${created.failed ? `, ${created.failed} FAILED` : ''}); listing...`)
        const listed = await listAll(target, `${collection}?labelSelector=app%3Dbench`)
        say(`  list of ${listed.items.toLocaleString('en-US')} in ${Math.round(listed.ms)} ms (${(listed.bytes / 1e6).toFixed(1)} MB)`)
        res[k] = { created, listed }
      }
      rows.push(res)
    }
  } finally {
    await mf.dispose()
  }
  const lines = [
    '# Custom resources vs ConfigMaps',
    '',
    `\`npm run bench:crd\`, ${new Date().toISOString().slice(0, 10)}: ${CFG.objects.toLocaleString('en-US')} objects of each kind per round, concurrency ${CFG.concurrency}, the deploy bundle in Miniflare (in-memory store), ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}). The custom resource has a mid-size schema (nested objects, a list-map, a set, bounds, an enum, a pattern) and two CEL rules; the ConfigMaps are of the same JSON size.`,
    '',
    '| round | ConfigMap creates/s | Database creates/s | ratio | ConfigMap list | Database list | ratio |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r, i) => `| ${i + 1} | ${Math.round(r.cm.created.rate)} | ${Math.round(r.cr.created.rate)} | ${(r.cr.created.rate / r.cm.created.rate).toFixed(2)}× | ${Math.round(r.cm.listed.ms)} ms | ${Math.round(r.cr.listed.ms)} ms | ${(r.cr.listed.ms / r.cm.listed.ms).toFixed(2)}× |`),
    '',
    'A ratio of creates below 1× is what a custom resource costs more per write: reading its CRD, pruning, defaulting, schema validation and the CEL rules. A list ratio above 1× comes from every item being read through its version (apiVersion and defaults, as kube reads custom resources from storage) and from the larger answer: a Database's managedFields name each of its nested fields, a ConfigMap's one `data` key.',
    '',
  ]
  fs.writeFileSync(RESULTS, lines.join('\n'))
  console.log(`\n${lines.join('\n')}`)
  say(`wrote ${path.relative(ROOT, RESULTS)}`)
}

main().catch((e) => { console.error(e); process.exit(1) })
