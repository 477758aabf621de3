// A rate-limited work queue, as client-go's: keys (not objects) so repeated
// changes to one object collapse into one reconcile, a per-key exponential
// back-off for failures, and delayed keys for work that is due later
// (minReadySeconds, progress deadlines, schedules). Time is passed in, so a
// test's clock drives it and an alarm can be set for the next due key.

/** client-go's DefaultControllerRateLimiter: 5 ms doubling per failure, at most 1000 s. */
const BASE_DELAY_MS = 5;
const MAX_DELAY_MS = 1_000_000;

export class WorkQueue {
  /** Keys ready now, in arrival order. */
  private readonly ready = new Set<string>();
  /** Keys due later, with the time they are due. */
  private readonly later = new Map<string, number>();
  private readonly failures = new Map<string, number>();

  add(key: string) {
    this.later.delete(key);
    this.ready.add(key);
  }

  /** Due at `at` (ms); an earlier due time or a ready key wins. */
  addAt(key: string, at: number) {
    if (this.ready.has(key)) return;
    const cur = this.later.get(key);
    if (cur === undefined || at < cur) this.later.set(key, at);
  }

  /** After a failure: back off exponentially per key. */
  addRateLimited(key: string, now: number) {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.ready.delete(key);
    this.addAt(key, now + Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** n));
  }

  /** A key that succeeded starts its back-off afresh. */
  forget(key: string) {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Takes every key due by `now`, oldest first. */
  take(now: number): string[] {
    for (const [key, at] of this.later) {
      if (at <= now) { this.later.delete(key); this.ready.add(key); }
    }
    const keys = [...this.ready];
    this.ready.clear();
    return keys;
  }

  /** When the next key is due: now if one is ready, undefined when empty. */
  nextAt(now: number): number | undefined {
    if (this.ready.size > 0) return now;
    let min: number | undefined;
    for (const at of this.later.values()) if (min === undefined || at < min) min = at;
    return min;
  }

  get length() {
    return this.ready.size + this.later.size;
  }
}
