// A linearizability checker in the manner of Porcupine (Athalye's Go checker
// that etcd's robustness tests use), after Lowe's refinement of the
// Wing & Gong search: calls and returns in one time-ordered list; a call is
// linearized if the model accepts it in the current state, a return reached
// before its call was linearized forces a backtrack, and a cache of
// (linearized set, state) pairs already explored prunes the search.
// Operations whose outcome is unknown (the client gave up) never return, so
// they may take effect at any point after their call, or not at all.

export interface Operation<I, O> {
  client: number
  input: I
  /** undefined: the outcome is unknown (timed out, connection lost). */
  output?: O
  /** Times in any unit, only compared: call strictly before return. */
  call: number
  return?: number
}

export interface Model<S, I, O> {
  init(): S
  /**
   * The states an operation can leave `state` in, given what it returned:
   * none if it could not have returned that here. An unknown output must
   * allow both taking effect and not.
   */
  step(state: S, input: I, output: O | undefined): S[]
  /** A string that is equal for equal states (the cache key). */
  hash(state: S): string
  describe?(input: I, output: O | undefined): string
}

export type CheckResult =
  | { ok: true; operations: number; explored: number }
  | { ok: false; operations: number; explored: number; longestPrefix: number[]; stuckAt: number[]; reason: string }
  | { ok: 'unknown'; operations: number; explored: number; reason: string }

interface Entry {
  op: number
  kind: 'call' | 'return'
  time: number
  prev?: Entry
  next?: Entry
  match?: Entry
}

/** A set of operation ids as a growable bitset, hashed for the cache. */
class Bits {
  constructor(readonly words: Uint32Array) {}
  static of(n: number) { return new Bits(new Uint32Array(Math.ceil(n / 32) || 1)) }
  set(i: number) { this.words[i >>> 5] |= 1 << (i & 31) }
  clear(i: number) { this.words[i >>> 5] &= ~(1 << (i & 31)) }
  key() { return Array.from(this.words, (w) => w.toString(36)).join('.') }
}

/**
 * Whether `history` is linearizable for `model`: some total order of its
 * operations, consistent with real time (an operation that returned before
 * another was called comes first), in which each operation's output is one
 * the model allows. `maxExplored` bounds the search; past it the answer is 'unknown'.
 */
export function checkLinearizable<S, I, O>(model: Model<S, I, O>, history: Operation<I, O>[], maxExplored = 5_000_000): CheckResult {
  const n = history.length
  // one list: calls and returns by time, a call before a return at the same time
  const entries: Entry[] = []
  history.forEach((op, i) => {
    if (op.return !== undefined && op.return < op.call) throw new Error(`operation ${i} returns before it is called`)
    const call: Entry = { op: i, kind: 'call', time: op.call }
    entries.push(call)
    if (op.return !== undefined) {
      const ret: Entry = { op: i, kind: 'return', time: op.return, match: call }
      call.match = ret
      entries.push(ret)
    }
  })
  entries.sort((a, b) => a.time - b.time || (a.kind === b.kind ? 0 : a.kind === 'call' ? -1 : 1))
  const head: Entry = { op: -1, kind: 'call', time: -Infinity }
  let last = head
  for (const e of entries) { last.next = e; e.prev = last; last = e }

  const lift = (e: Entry) => {
    e.prev!.next = e.next
    if (e.next) e.next.prev = e.prev
    if (e.match) { e.match.prev!.next = e.match.next; if (e.match.next) e.match.next.prev = e.match.prev }
  }
  const unlift = (e: Entry) => {
    if (e.match) { e.match.prev!.next = e.match; if (e.match.next) e.match.next.prev = e.match }
    e.prev!.next = e
    if (e.next) e.next.prev = e
  }

  const linearized = Bits.of(n)
  const cache = new Set<string>()
  // each frame: the call lifted, the state before it, and the other states the step allowed
  const stack: { entry: Entry; before: S; alternatives: S[] }[] = []
  let state = model.init()
  let entry = head.next
  let explored = 0
  let longest: number[] = []
  let stuck: number[] = []

  const tryStates = (e: Entry, options: S[]): boolean => {
    while (options.length) {
      const next = options.shift()!
      linearized.set(e.op)
      const key = `${linearized.key()}|${model.hash(next)}`
      if (!cache.has(key)) {
        cache.add(key)
        stack.push({ entry: e, before: state, alternatives: options })
        state = next
        lift(e)
        return true
      }
      linearized.clear(e.op)
    }
    return false
  }

  while (head.next) {
    if (++explored > maxExplored) return { ok: 'unknown', operations: n, explored, reason: `gave up after exploring ${maxExplored} steps` }
    if (entry && entry.kind === 'call') {
      const op = history[entry.op]
      if (tryStates(entry, model.step(state, op.input, op.output))) {
        entry = head.next
        continue
      }
      entry = entry.next
      continue
    }
    // a return whose call is not linearized (or the end): undo the last choice
    if (stack.length > longest.length) {
      longest = stack.map((f) => f.entry.op)
      stuck = []
      for (let e: Entry | undefined = head.next; e && e.kind === 'call'; e = e.next) stuck.push(e.op)
      if (entry && !stuck.includes(entry.op)) stuck.push(entry.op)
    }
    const frame = stack.pop()
    if (!frame) {
      return { ok: false, operations: n, explored, longestPrefix: longest, stuckAt: stuck, reason: 'no order of the operations matches real time and the model' }
    }
    unlift(frame.entry)
    linearized.clear(frame.entry.op)
    state = frame.before
    // another state the same step allowed, else go on past this call
    if (tryStates(frame.entry, frame.alternatives)) { entry = head.next; continue }
    entry = frame.entry.next
  }
  return { ok: true, operations: n, explored }
}

/** A failed check as text: the longest order found and the operations none of which could go next. */
export function explain<S, I, O>(model: Model<S, I, O>, history: Operation<I, O>[], r: CheckResult): string {
  if (r.ok !== false) return `ok=${r.ok}`
  const d = (i: number) => {
    const op = history[i]
    return `#${i} client ${op.client} [${op.call}, ${op.return ?? '?'}] ${model.describe ? model.describe(op.input, op.output) : JSON.stringify([op.input, op.output])}`
  }
  return [`${r.reason}; longest linearizable prefix ${r.longestPrefix.length} of ${r.operations}; last in it:`, ...r.longestPrefix.slice(-5).map(d), 'none of these could go next:', ...r.stuckAt.slice(0, 10).map(d)].join('\n  ')
}
