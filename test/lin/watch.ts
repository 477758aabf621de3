// What etcd's robustness tests ask of every watch stream, checked against the
// history of writes: ordered (resourceVersions strictly increase), unique, and
// consistent with the history (each event is a write that happened, of the
// right type and value); gapless (every acknowledged write after the watch's
// start, up to where the stream got to, is in it).
import type { Operation } from './checker'
import type { KvInput, KvOutput } from './kv'

export interface WatchedEvent { type: string; key: string; value?: string; rv: number }

const TYPE = { create: 'ADDED', update: 'MODIFIED', delete: 'DELETED' } as const

/** Everything wrong with one stream that started after `startRv` and was followed up to `untilRv`. */
export function validateWatch(history: Operation<KvInput, KvOutput>[], events: WatchedEvent[], startRv: number, untilRv: number): string[] {
  const problems: string[] = []
  const writes = new Map<number, Operation<KvInput, KvOutput>>()
  for (const op of history) {
    if (op.input.op === 'get' || op.input.op === 'list' || op.output === undefined) continue
    if ('ok' in op.output && op.output.rv !== undefined) writes.set(op.output.rv, op)
  }
  let last = startRv
  const matchedUnknown = new Set<Operation<KvInput, KvOutput>>()
  for (const ev of events) {
    if (ev.rv <= last) problems.push(`out of order or repeated: ${ev.type} ${ev.key} at ${ev.rv} after ${last}`)
    last = Math.max(last, ev.rv)
    const w = writes.get(ev.rv)
    const input = w?.input as { op: keyof typeof TYPE; key: string; value?: string } | undefined
    if (input) {
      if (input.key !== ev.key || TYPE[input.op] !== ev.type || (input.op !== 'delete' && input.value !== ev.value)) {
        problems.push(`event ${ev.type} ${ev.key}=${ev.value} at ${ev.rv} is not the write made at ${ev.rv} (${input.op} ${input.key}=${input.value})`)
      }
      continue
    }
    // deletes answered with a Status carry no resourceVersion; a write of unknown outcome may show here once
    const candidate = history.find((op) => !matchedUnknown.has(op) && 'key' in op.input && op.input.key === ev.key && TYPE[op.input.op as keyof typeof TYPE] === ev.type
      && (op.output === undefined || (op.input.op === 'delete' && op.output && 'ok' in op.output && op.output.rv === undefined))
      && (ev.type === 'DELETED' || (op.input as { value?: string }).value === ev.value))
    if (candidate) matchedUnknown.add(candidate)
    else problems.push(`event ${ev.type} ${ev.key}=${ev.value} at ${ev.rv} matches no write of the history`)
  }
  const seen = new Set(events.map((e) => e.rv))
  for (const [rv, w] of writes) {
    if (rv > startRv && rv <= untilRv && !seen.has(rv)) problems.push(`gap: the acknowledged ${w.input.op} of ${(w.input as { key: string }).key} at ${rv} is missing`)
  }
  return problems
}
