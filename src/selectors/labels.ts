// Label selectors as k8s.io/apimachinery/pkg/labels parses them:
// "a=b", "a==b", "a!=b", "a in (x,y)", "a notin (x)", "a", "!a", "a>1", "a<1";
// a comma is AND.

export type LabelRequirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!' }
  | { key: string; op: 'gt' | 'lt'; value: number };

export class SelectorParseError extends Error {}

const KEY_CHARS = /[A-Za-z0-9_.\-/]/;

/** Parses a label selector string; throws SelectorParseError with kube's wording. */
export function parseLabelSelector(input: string): LabelRequirement[] {
  const s = input;
  let i = 0;
  const reqs: LabelRequirement[] = [];
  const ws = () => { while (i < s.length && /\s/.test(s[i])) i++; };
  const word = () => {
    ws();
    const start = i;
    while (i < s.length && KEY_CHARS.test(s[i])) i++;
    return s.slice(start, i);
  };
  const expect = (what: string) => {
    ws();
    const found = i < s.length ? s.slice(i).split(/[\s,()]/)[0] || s[i] : 'end of string';
    throw new SelectorParseError(`unable to parse requirement: found '${found}', expected: ${what}`);
  };
  ws();
  if (i >= s.length) return [];
  for (;;) {
    ws();
    let negate = false;
    if (s[i] === '!') { negate = true; i++; }
    const key = word();
    if (!key) expect('identifier');
    validateKey(key);
    ws();
    if (negate) {
      reqs.push({ key, op: '!' });
    } else if (i >= s.length || s[i] === ',') {
      reqs.push({ key, op: 'exists' });
    } else if (s.startsWith('==', i) || s[i] === '=' || s.startsWith('!=', i)) {
      const op = s.startsWith('!=', i) ? 'notin' : 'in';
      i += s.startsWith('==', i) || s.startsWith('!=', i) ? 2 : 1;
      const v = word();
      validateValue(v);
      reqs.push({ key, op, values: [v] });
    } else if (s[i] === '>' || s[i] === '<') {
      const op = s[i] === '>' ? 'gt' : 'lt';
      i++;
      const v = word();
      if (!/^-?\d+$/.test(v)) throw new SelectorParseError(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
      reqs.push({ key, op, value: Number(v) });
    } else {
      const w = word();
      if (w !== 'in' && w !== 'notin') { i -= w.length; expect("'=', '!=', '==', 'in', notin'"); }
      ws();
      if (s[i] !== '(') expect("'('");
      i++;
      const values: string[] = [];
      for (;;) {
        const v = word();
        validateValue(v);
        values.push(v);
        ws();
        if (s[i] === ',') { i++; continue; }
        if (s[i] === ')') { i++; break; }
        expect("',' or ')'");
      }
      reqs.push({ key, op: w as 'in' | 'notin', values });
    }
    ws();
    if (i >= s.length) break;
    if (s[i] !== ',') expect("','");
    i++;
  }
  return reqs;
}

function validateKey(k: string) {
  const parts = k.split('/');
  const name = parts[parts.length - 1];
  if (parts.length > 2 || !/^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(name) || name.length > 63) {
    throw new SelectorParseError(`unable to parse requirement: key: Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  }
}

function validateValue(v: string) {
  if (v.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v)) {
    throw new SelectorParseError(`unable to parse requirement: values[0][]: Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  }
}

export function matchLabels(reqs: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of reqs) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'in': if (!has || !r.values.includes(l[r.key])) return false; break;
      case 'notin': if (has && r.values.includes(l[r.key])) return false; break;
      case 'exists': if (!has) return false; break;
      case '!': if (has) return false; break;
      case 'gt': case 'lt': {
        if (!has || !/^-?\d+$/.test(l[r.key])) return false;
        const n = Number(l[r.key]);
        if (r.op === 'gt' ? !(n > r.value) : !(n < r.value)) return false;
      }
    }
  }
  return true;
}
