// The JSONPath subset printer columns and scale paths use (client-go's
// util/jsonpath inside `{...}`): .field, ['field'], [n], [*], and filters
// [?(@.a.b=="x")] with == and !=. Returns every match, in document order.

type Step = { field: string } | { index: number } | { all: true } | { filter: { path: Step[]; op: '==' | '!='; value: unknown } };

const cache = new Map<string, Step[] | null>();

export function parseJsonPath(path: string): Step[] | null {
  let steps = cache.get(path);
  if (steps !== undefined) return steps;
  steps = parse(path.trim().replace(/^\{(.*)\}$/s, '$1'));
  if (cache.size > 1000) cache.clear();
  cache.set(path, steps);
  return steps;
}

function parse(p: string): Step[] | null {
  const steps: Step[] = [];
  let i = p.startsWith('$') ? 1 : 0;
  while (i < p.length) {
    const rest = p.slice(i);
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^\.([A-Za-z0-9_$\-/]+)/))) steps.push({ field: m[1] });
    else if ((m = rest.match(/^\[(-?\d+)\]/))) steps.push({ index: Number(m[1]) });
    else if ((m = rest.match(/^\[\*\]/)) || (m = rest.match(/^\.\*/))) steps.push({ all: true });
    else if ((m = rest.match(/^\[(['"])((?:\\.|(?!\1).)*)\1\]/))) steps.push({ field: m[2] });
    else if ((m = rest.match(/^\[\?\(@((?:\.[A-Za-z0-9_$\-/]+)+)\s*(==|!=)\s*("(?:[^"\\]|\\.)*"|'[^']*'|-?\d+(?:\.\d+)?|true|false)\s*\)\]/))) {
      const path = m[1].split('.').slice(1).map((field) => ({ field }));
      const raw = m[3];
      const value = raw.startsWith("'") ? raw.slice(1, -1) : JSON.parse(raw);
      steps.push({ filter: { path, op: m[2] as '==' | '!=', value } });
    } else return null;
    i += m[0].length;
  }
  return steps;
}

export function evaluateJsonPath(steps: Step[], root: unknown): unknown[] {
  let cur: unknown[] = [root];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if ('field' in s) {
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && (v as Record<string, unknown>)[s.field] !== undefined) next.push((v as Record<string, unknown>)[s.field]);
      } else if ('index' in s) {
        if (Array.isArray(v)) { const x = v[s.index < 0 ? v.length + s.index : s.index]; if (x !== undefined) next.push(x); }
      } else if ('all' in s) {
        if (Array.isArray(v)) next.push(...v);
        else if (v !== null && typeof v === 'object') next.push(...Object.values(v));
      } else if (Array.isArray(v)) {
        for (const item of v) {
          const [got] = evaluateJsonPath(s.filter.path, item);
          if ((got === s.filter.value) === (s.filter.op === '==') && got !== undefined) next.push(item);
        }
      }
    }
    cur = next;
  }
  return cur;
}
