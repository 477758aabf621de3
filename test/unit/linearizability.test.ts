// The linearizability checker itself: it accepts what a linearizable store
// does, and catches each kind of violation planted into such a history.
import { describe, expect, it } from 'vitest'
import { checkLinearizable, explain, type Operation } from '../lin/checker'
import { kvModel, type KvInput, type KvOutput } from '../lin/kv'
import { simulate } from '../lin/simulate'

type Op = Operation<KvInput, KvOutput>
const check = (h: Op[]) => checkLinearizable(kvModel, h)
const op = (client: number, call: number, ret: number | undefined, input: KvInput, output?: KvOutput): Op => ({ client, call, return: ret, input, output })

describe('checkLinearizable with the key-value model', () => {
  it('accepts a sequential history and concurrent operations in either order', () => {
    expect(check([
      op(0, 0, 1, { op: 'create', key: 'a', value: 'x' }, { ok: true, rv: 5 }),
      op(0, 2, 3, { op: 'get', key: 'a' }, { ok: true, value: 'x', rv: 5 }),
      op(1, 4, 10, { op: 'update', key: 'a', value: 'y' }, { ok: true, rv: 6 }),
      // overlaps the update: may see either value
      op(2, 5, 6, { op: 'get', key: 'a' }, { ok: true, value: 'y', rv: 6 }),
      op(3, 5, 7, { op: 'list' }, { ok: true, rv: 9, items: { a: ['y', 6] } }),
    ]).ok).toBe(true)
  })

  it('catches a stale read: a get after an acknowledged update that returns the old value', () => {
    const h = [
      op(0, 0, 1, { op: 'create', key: 'a', value: 'x' }, { ok: true, rv: 5 }),
      op(0, 2, 3, { op: 'update', key: 'a', value: 'y' }, { ok: true, rv: 6 }),
      op(1, 4, 5, { op: 'get', key: 'a' }, { ok: true, value: 'x', rv: 5 }),
    ]
    const r = check(h)
    expect(r.ok).toBe(false)
    expect(explain(kvModel, h, r)).toContain('longest linearizable prefix 2 of 3')
    expect(explain(kvModel, h, r)).toContain('#2 client 1 [4, 5] get a -> ok rv=5 x')
  })

  it('catches a lost update: two compare-and-swaps from one resourceVersion both succeeding', () => {
    expect(check([
      op(0, 0, 1, { op: 'create', key: 'a', value: 'x' }, { ok: true, rv: 5 }),
      op(1, 2, 4, { op: 'update', key: 'a', value: 'y', expect: 5 }, { ok: true, rv: 6 }),
      op(2, 2, 4, { op: 'update', key: 'a', value: 'z', expect: 5 }, { ok: true, rv: 7 }),
    ]).ok).toBe(false)
  })

  it('catches resourceVersions going back in real time, and a list that is no single moment', () => {
    expect(check([
      op(0, 0, 1, { op: 'create', key: 'a', value: 'x' }, { ok: true, rv: 7 }),
      op(1, 2, 3, { op: 'create', key: 'b', value: 'y' }, { ok: true, rv: 6 }),
    ]).ok).toBe(false)
    expect(check([
      op(0, 0, 1, { op: 'create', key: 'a', value: 'x' }, { ok: true, rv: 5 }),
      op(1, 2, 3, { op: 'list' }, { ok: true, rv: 9, items: { a: ['x', 5] } }),
      op(0, 4, 5, { op: 'create', key: 'b', value: 'y' }, { ok: true, rv: 8 }),
    ]).ok).toBe(false)
    // a list that shows b's create (rv 7) but not a's update (rv 6), which returned before b's create was called
    expect(check([
      op(0, 0, 1, { op: 'create', key: 'a', value: 'x' }, { ok: true, rv: 5 }),
      op(0, 2, 3, { op: 'update', key: 'a', value: 'x2' }, { ok: true, rv: 6 }),
      op(1, 4, 5, { op: 'create', key: 'b', value: 'y' }, { ok: true, rv: 7 }),
      op(2, 6, 7, { op: 'list' }, { ok: true, rv: 7, items: { a: ['x', 5], b: ['y', 7] } }),
    ]).ok).toBe(false)
  })

  it('lets a write of unknown outcome take effect at any later point, or never', () => {
    const lost = op(1, 1, undefined, { op: 'update', key: 'a', value: 'y' })
    const base = op(0, 0, 1, { op: 'create', key: 'a', value: 'x' }, { ok: true, rv: 5 })
    expect(check([base, lost, op(2, 10, 11, { op: 'get', key: 'a' }, { ok: true, value: 'y', rv: 8 })]).ok).toBe(true)
    expect(check([base, lost, op(2, 10, 11, { op: 'get', key: 'a' }, { ok: true, value: 'x', rv: 5 })]).ok).toBe(true)
    // but not before it was called
    expect(check([base, op(2, 2, 3, { op: 'get', key: 'a' }, { ok: true, value: 'y', rv: 8 }), op(1, 4, undefined, { op: 'update', key: 'a', value: 'y' })]).ok).toBe(false)
  })

  it('accepts 3,000 operations of 8 clients against a linearizable store, and catches one early acknowledgement planted in them', () => {
    const h = simulate({ seed: 42, clients: 8, operations: 3000, keys: 6 })
    const good = check(h)
    expect(good.ok, explain(kvModel, h, good)).toBe(true)
    // plant: a write acknowledged but not visible to a read made after everything returned
    const end = Math.max(...h.map((o) => o.return!)) + 1
    const writes = h.filter((o) => o.input.op !== 'get' && o.input.op !== 'list' && o.output && 'ok' in o.output).sort((x, y) => (x.output as { rv: number }).rv - (y.output as { rv: number }).rv)
    const keyOf = (o: Op) => (o.input as { key: string }).key
    const [last, previous] = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'].map((k) => writes.filter((o) => keyOf(o) === k).slice(-2).reverse()).find(([l, p]) => l && p && l.input.op !== 'delete' && p.input.op !== 'delete')!
    const read = (o: Op): KvOutput => ({ ok: true, value: (o.input as { value: string }).value, rv: (o.output as { rv: number }).rv })
    expect(check([...h, op(9, end, end + 1, { op: 'get', key: keyOf(last) }, read(last))]).ok).toBe(true)
    const r = check([...h, op(9, end, end + 1, { op: 'get', key: keyOf(last) }, read(previous))])
    expect(r.ok).toBe(false)
  }, 60_000)
})
