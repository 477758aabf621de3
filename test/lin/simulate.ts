// Histories with a known answer: clients issuing operations against an
// in-memory store that applies each at one instant between its call and
// return, which is linearizable by construction; the tests then break one.
import type { Operation } from './checker'
import type { KvInput, KvOutput } from './kv'
import { prng } from '../e2e/hostile-input'

export function simulate(opts: { seed: number; clients: number; operations: number; keys: number }): Operation<KvInput, KvOutput>[] {
  const r = prng(opts.seed)
  const kv = new Map<string, [string, number]>()
  let rv = 100
  const ops: { op: Operation<KvInput, KvOutput>; at: number }[] = []
  const clock = new Array(opts.clients).fill(0)
  for (let i = 0; i < opts.operations; i++) {
    const client = i % opts.clients
    const call = clock[client] + r.int(0, 3)
    const at = call + r.int(1, 10)
    const ret = at + r.int(1, 10)
    clock[client] = ret + 1
    const key = `k${r.int(0, opts.keys - 1)}`
    const cur = kv.get(key)
    const kind = r.pick(['create', 'update', 'update-if', 'delete', 'get', 'get', 'list'] as const)
    const input: KvInput = kind === 'create' ? { op: 'create', key, value: `v${i}` }
      : kind === 'update' ? { op: 'update', key, value: `v${i}` }
        : kind === 'update-if' ? { op: 'update', key, value: `v${i}`, expect: cur && r.next() < 0.7 ? cur[1] : rv - r.int(0, 5) }
          : kind === 'delete' ? { op: 'delete', key, expect: cur && r.next() < 0.5 ? cur[1] : undefined }
            : kind === 'get' ? { op: 'get', key } : { op: 'list' }
    ops.push({ op: { client, input, call, return: ret }, at })
  }
  // apply in order of the instant each takes effect
  for (const { op } of [...ops].sort((a, b) => a.at - b.at)) {
    const input = op.input
    if (input.op === 'list') { op.output = { ok: true, rv, items: Object.fromEntries(kv) }; continue }
    const cur = kv.get(input.key)
    switch (input.op) {
      case 'create':
        if (cur) op.output = { err: 'AlreadyExists' }
        else { kv.set(input.key, [input.value, ++rv]); op.output = { ok: true, rv } }
        break
      case 'update':
        if (!cur) op.output = { err: 'NotFound' }
        else if (input.expect !== undefined && input.expect !== cur[1]) op.output = { err: 'Conflict' }
        else { kv.set(input.key, [input.value, ++rv]); op.output = { ok: true, rv } }
        break
      case 'delete':
        if (!cur) op.output = { err: 'NotFound' }
        else if (input.expect !== undefined && input.expect !== cur[1]) op.output = { err: 'Conflict' }
        else { kv.delete(input.key); op.output = { ok: true, rv: ++rv } }
        break
      case 'get':
        op.output = cur ? { ok: true, value: cur[0], rv: cur[1] } : { err: 'NotFound' }
        break
    }
  }
  return ops.map((o) => o.op)
}
