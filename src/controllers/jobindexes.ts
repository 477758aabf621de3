// Indexed Jobs write sets of completion indexes as kube does: sorted,
// comma-separated, consecutive runs as intervals ("0-2,4,7-9").

export function parseIndexes(s: unknown): number[] {
  if (typeof s !== 'string' || s === '') return [];
  const out: number[] = [];
  for (const part of s.split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (!Number.isInteger(a)) continue;
    const end = Number.isInteger(b) ? b : a;
    for (let i = a; i <= end; i++) out.push(i);
  }
  return out;
}

export function formatIndexes(list: number[]): string {
  const sorted = [...new Set(list)].sort((x, y) => x - y);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j;
  }
  return parts.join(',');
}
