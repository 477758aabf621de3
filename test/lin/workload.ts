// Concurrent clients against a real server, each recording what it called
// and what came back, as etcd's robustness tests record a history: creates,
// updates with and without a resourceVersion precondition, deletes, gets and
// lists of ConfigMaps in one namespace, while watchers follow them.
import type { Operation } from './checker'
import type { KvInput, KvOutput } from './kv'
import type { WatchedEvent } from './watch'
import { prng } from '../e2e/hostile-input'
import type { E2E, RawWatch } from '../e2e/harness'

export const LABEL = 'lin=1'

export interface Workload {
  history: Operation<KvInput, KvOutput>[]
  /** Answers that are neither a result nor a refusal the model knows (5xx, 429...), by status. */
  unexpected: Map<number, number>
  /** The first few of them, as they came. */
  samples: string[]
}

type Answer = { status: number; text: string; json?: { metadata?: { resourceVersion?: string }; data?: { v?: string }; items?: { metadata: { name: string; resourceVersion: string }; data?: { v?: string } }[] } }

async function call(url: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(url + path, {
    method,
    headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  })
  const text = await res.text()
  let json: Answer['json']
  try { json = JSON.parse(text) } catch { json = undefined }
  return { status: res.status, text, json }
}

const rvOf = (a: Answer) => Number(a.json?.metadata?.resourceVersion)

/** What an answer means to the model, or undefined when it does not say whether the operation took effect. */
function outputOf(input: KvInput, a: Answer): KvOutput | undefined {
  switch (input.op) {
    case 'create': return a.status === 201 ? { ok: true, rv: rvOf(a) } : a.status === 409 ? { err: 'AlreadyExists' } : undefined
    case 'update': return a.status === 200 ? { ok: true, rv: rvOf(a) } : a.status === 409 ? { err: 'Conflict' } : a.status === 404 ? { err: 'NotFound' } : undefined
    case 'delete': return a.status === 200 ? { ok: true } : a.status === 409 ? { err: 'Conflict' } : a.status === 404 ? { err: 'NotFound' } : undefined
    case 'get': return a.status === 200 ? { ok: true, value: a.json?.data?.v, rv: rvOf(a) } : a.status === 404 ? { err: 'NotFound' } : undefined
    case 'list': return a.status === 200 ? { ok: true, rv: rvOf(a), items: Object.fromEntries((a.json?.items ?? []).map((i) => [i.metadata.name, [i.data?.v ?? '', Number(i.metadata.resourceVersion)]])) } : undefined
  }
}

function request(ns: string, input: KvInput): [string, string, unknown?] {
  const base = `/api/v1/namespaces/${ns}/configmaps`
  const cm = (key: string, value: string, rv?: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: key, labels: { lin: '1' }, ...(rv !== undefined ? { resourceVersion: String(rv) } : {}) }, data: { v: value } })
  switch (input.op) {
    case 'create': return ['POST', base, cm(input.key, input.value)]
    case 'update': return ['PUT', `${base}/${input.key}`, cm(input.key, input.value, input.expect)]
    case 'delete': return ['DELETE', `${base}/${input.key}`, input.expect !== undefined ? { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: String(input.expect) } } : undefined]
    case 'get': return ['GET', `${base}/${input.key}`]
    case 'list': return ['GET', `${base}?labelSelector=${encodeURIComponent(LABEL)}`]
  }
}

/**
 * `clients` clients, each issuing `perClient` operations one after another
 * over `keys` keys; `during(i)` runs after the i-th operation of client 0
 * (fault injection, watcher restarts).
 */
export async function runWorkload(url: string, ns: string, opts: { seed: number; clients: number; perClient: number; keys: number; during?: (i: number) => Promise<void> }): Promise<Workload> {
  const history: Operation<KvInput, KvOutput>[] = []
  const unexpected = new Map<number, number>()
  const samples: string[] = []
  const t0 = performance.now()
  await Promise.all(Array.from({ length: opts.clients }, async (_, client) => {
    const r = prng(opts.seed * 1000 + client)
    const known = new Map<string, number>()
    for (let i = 0; i < opts.perClient; i++) {
      const key = `k${r.int(0, opts.keys - 1)}`
      const value = `c${client}-${i}`
      const kind = r.pick(['create', 'create', 'update', 'update-if', 'update-if', 'delete', 'delete-if', 'get', 'get', 'list'] as const)
      const expect = known.get(key) ?? r.int(1, 50)
      const input: KvInput = kind === 'create' ? { op: 'create', key, value }
        : kind === 'update' ? { op: 'update', key, value }
          : kind === 'update-if' ? { op: 'update', key, value, expect }
            : kind === 'delete' ? { op: 'delete', key }
              : kind === 'delete-if' ? { op: 'delete', key, expect }
                : kind === 'get' ? { op: 'get', key } : { op: 'list' }
      const [method, path, body] = request(ns, input)
      const op: Operation<KvInput, KvOutput> = { client, input, call: performance.now() - t0 }
      try {
        const a = await call(url, method, path, body)
        op.return = performance.now() - t0
        op.output = outputOf(input, a)
        if (op.output === undefined) {
          unexpected.set(a.status, (unexpected.get(a.status) ?? 0) + 1)
          if (samples.length < 5) samples.push(`${method} ${path}: ${a.status} ${a.text.slice(0, 300)}`)
          // a refusal to even try (429, 503 before the store was reached) still may or may not have been applied: unknown
          op.return = undefined
        }
        const rv = op.output && 'ok' in op.output ? op.output.rv : undefined
        if (rv && input.op !== 'list') known.set(key, rv)
      } catch {
        // no answer: the operation may or may not have taken effect
        unexpected.set(0, (unexpected.get(0) ?? 0) + 1)
      }
      history.push(op)
      if (client === 0) await opts.during?.(i)
    }
  }))
  return { history, unexpected, samples }
}

/** A watch's events as the checker reads them; BOOKMARKs and ERRORs left out. */
export function watched(w: RawWatch): WatchedEvent[] {
  return w.events.filter((e) => e.type !== 'BOOKMARK' && e.type !== 'ERROR').map((e) => {
    const o = e.object as { metadata: { name: string; resourceVersion: string }; data?: { v?: string } }
    return { type: e.type, key: o.metadata.name, value: o.data?.v, rv: Number(o.metadata.resourceVersion) }
  })
}

/** The list resourceVersion now: where a watch started here begins. */
export async function listRv(e: E2E, ns: string): Promise<number> {
  const r = await e.http('GET', `/api/v1/namespaces/${ns}/configmaps?labelSelector=${encodeURIComponent(LABEL)}`)
  return Number((r.json as { metadata: { resourceVersion: string } }).metadata.resourceVersion)
}
