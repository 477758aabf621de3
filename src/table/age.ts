// kubectl's duration.HumanDuration, which the server-side printers use for
// Age columns: "45s", "3m20s", "5h", "4d", "2y57d".
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 0) return '0s';
  if (s < 60 * 2) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) { const rs = s % 60; return rs === 0 ? `${m}m` : `${m}m${rs}s`; }
  if (m < 60 * 3) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) { const rm = m % 60; return rm === 0 ? `${h}h` : `${h}h${rm}m`; }
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) { const rh = h % 24; const d = Math.floor(h / 24); return rh === 0 ? `${d}d` : `${d}d${rh}h`; }
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  if (h < 24 * 365 * 8) { const y = Math.floor(h / 24 / 365); const dy = Math.floor(h / 24) % 365; return dy === 0 ? `${y}y` : `${y}y${dy}d`; }
  return `${Math.floor(h / 24 / 365)}y`;
}

/** Age of an object from a timestamp string; "<unknown>" when absent, as kubectl prints. */
export function age(ts: string | undefined, now: number): string {
  if (!ts) return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}
