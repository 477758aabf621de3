// How much event history a shard keeps. kube-apiserver relies on etcd keeping
// five minutes of revisions; we keep at least that long, never fewer than a
// floor of recent events (so a quiet cluster can still resume watches), and
// never more than a ceiling (so a write storm cannot grow the log unbounded).

export interface HistoryPolicy { retainMs: number; minEvents: number; maxEvents: number; intervalMs: number }

export function historyPolicy(env: { EDGEKUBE_HISTORY_SECONDS?: string; EDGEKUBE_HISTORY_MIN_EVENTS?: string; EDGEKUBE_HISTORY_MAX_EVENTS?: string }): HistoryPolicy {
  const num = (v: string | undefined, d: number) => (v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : d);
  const retainMs = num(env.EDGEKUBE_HISTORY_SECONDS, 300) * 1000;
  return {
    retainMs,
    minEvents: num(env.EDGEKUBE_HISTORY_MIN_EVENTS, 1000),
    maxEvents: num(env.EDGEKUBE_HISTORY_MAX_EVENTS, 100_000),
    // Check a few times per retention window, but not more than once a second.
    intervalMs: Math.max(1000, Math.min(60_000, retainMs / 5)),
  };
}

/**
 * The resourceVersion to compact up to. resourceVersions in a shard are
 * consecutive, so "the last N events" is everything after current - N.
 * `oldEnough` is the newest resourceVersion written before the retention window.
 */
export function compactionPoint(p: HistoryPolicy, s: { current: number; oldEnough: number }): number {
  const byAge = Math.min(s.oldEnough, s.current - p.minEvents);
  const byCount = s.current - p.maxEvents;
  return Math.max(0, byAge, byCount);
}
