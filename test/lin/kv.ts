// The model a Kubernetes store must be linearizable for: keys holding a value
// and the resourceVersion of the write that put it there; creates that fail
// on an existing key, updates and deletes with an optional resourceVersion
// precondition (compare-and-swap), gets, and lists that return every key at
// one resourceVersion. resourceVersions grow with real time: a write placed
// after a write or a list gets a larger one.
import type { Model } from './checker'

export type KvInput =
  | { op: 'create'; key: string; value: string }
  | { op: 'update'; key: string; value: string; expect?: number }
  | { op: 'delete'; key: string; expect?: number }
  | { op: 'get'; key: string }
  | { op: 'list' }

export type KvOutput =
  | { ok: true; rv?: number; value?: string; items?: Record<string, [string, number]> }
  | { err: 'AlreadyExists' | 'Conflict' | 'NotFound' }

/** rv null: written by an operation whose outcome is unknown, so its resourceVersion is too, until a read shows it. */
interface Entry { value: string; rv: number | null }
export interface KvState { rv: number; kv: Record<string, Entry> }

const without = (kv: Record<string, Entry>, key: string) => {
  const out = { ...kv }
  delete out[key]
  return out
}

/** Whether an entry can be what a read saw, and the entry with its resourceVersion then known. */
function seen(e: Entry | undefined, value: string | undefined, rv: number | undefined): Entry | undefined {
  if (!e || e.value !== value) return undefined
  if (e.rv === null) return rv === undefined ? e : { value: e.value, rv }
  return e.rv === rv ? e : undefined
}

export const kvModel: Model<KvState, KvInput, KvOutput> = {
  init: () => ({ rv: 0, kv: {} }),

  step(s, input, output): KvState[] {
    const cur = input.op === 'list' ? undefined : s.kv[input.key]
    const unknown = output === undefined
    const err = output && 'err' in output ? output.err : undefined
    const rv = output && 'ok' in output ? output.rv : undefined
    // a write that took effect: its resourceVersion (when known) comes after everything placed before it
    const wrote = (kv: Record<string, Entry>): KvState[] => {
      if (unknown) return [{ rv: s.rv, kv }]
      if (rv === undefined || rv <= s.rv) return []
      return [{ rv, kv }]
    }
    const preconditionHolds = (expect?: number) => expect === undefined || cur!.rv === null || cur!.rv === expect
    switch (input.op) {
      case 'create': {
        if (err === 'AlreadyExists') return cur ? [s] : []
        if (err) return []
        const applied = cur ? [] : wrote({ ...s.kv, [input.key]: { value: input.value, rv: unknown ? null : rv! } })
        return unknown ? [s, ...applied] : applied
      }
      case 'update': {
        if (err === 'NotFound') return cur ? [] : [s]
        if (err === 'Conflict') return cur && input.expect !== undefined && cur.rv !== input.expect ? [s] : []
        if (err) return []
        const applied = cur && preconditionHolds(input.expect) ? wrote({ ...s.kv, [input.key]: { value: input.value, rv: unknown ? null : rv! } }) : []
        return unknown ? [s, ...applied] : applied
      }
      case 'delete': {
        if (err === 'NotFound') return cur ? [] : [s]
        if (err === 'Conflict') return cur && input.expect !== undefined && cur.rv !== input.expect ? [s] : []
        if (err) return []
        if (!cur || !preconditionHolds(input.expect)) return unknown ? [s] : []
        // a delete's answer need not carry its own resourceVersion
        const applied = unknown || rv === undefined ? [{ rv: s.rv, kv: without(s.kv, input.key) }] : wrote(without(s.kv, input.key))
        return unknown ? [s, ...applied] : applied
      }
      case 'get': {
        if (unknown) return [s]
        if (err === 'NotFound') return cur ? [] : [s]
        if (err) return []
        const e = seen(cur, output && 'ok' in output ? output.value : undefined, rv)
        // a write of unknown outcome shown here: later writes come after its resourceVersion too
        return e ? [{ rv: Math.max(s.rv, e.rv ?? 0), kv: { ...s.kv, [input.key]: e } }] : []
      }
      case 'list': {
        if (unknown) return [s]
        if (err || rv === undefined || rv < s.rv) return []
        const items = (output as { items?: Record<string, [string, number]> }).items ?? {}
        const keys = Object.keys(s.kv)
        if (keys.length !== Object.keys(items).length) return []
        const kv: Record<string, Entry> = {}
        for (const k of keys) {
          const item = items[k]
          const e = item && item[1] <= rv ? seen(s.kv[k], item[0], item[1]) : undefined
          if (!e) return []
          kv[k] = e
        }
        return [{ rv, kv }]
      }
    }
  },

  hash: (s) => `${s.rv}:${Object.keys(s.kv).sort().map((k) => `${k}=${s.kv[k].value}@${s.kv[k].rv}`).join(',')}`,

  describe(input, output) {
    const o = output === undefined ? '?' : 'err' in output ? output.err : `ok${output.rv !== undefined ? ` rv=${output.rv}` : ''}${output.value !== undefined ? ` ${output.value}` : ''}${output.items ? ` ${JSON.stringify(output.items)}` : ''}`
    return `${input.op}${'key' in input ? ` ${input.key}` : ''}${'value' in input ? ` ${input.value}` : ''}${'expect' in input && input.expect !== undefined ? ` if rv=${input.expect}` : ''} -> ${o}`
  },
}

/**
 * The history of each key alone, lists left out (Porcupine's partitioning):
 * each must be linearizable if the whole is, and each is far cheaper to
 * search, so a violation is found where the whole history's search would
 * run out of budget.
 */
export function byKey<T extends { input: KvInput }>(history: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const op of history) {
    if (op.input.op === 'list') continue
    const list = out.get(op.input.key) ?? []
    list.push(op)
    out.set(op.input.key, list)
  }
  return out
}
