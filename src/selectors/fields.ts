// Field selectors as k8s.io/apimachinery/pkg/fields parses them: only "=",
// "==" and "!=", comma-separated, with "\" escaping ",", "=" and "!".
import { SelectorParseError } from './labels';

export interface FieldRequirement { field: string; op: '=' | '!='; value: string }

export function parseFieldSelector(input: string): FieldRequirement[] {
  if (input.trim() === '') return [];
  const out: FieldRequirement[] = [];
  for (const term of splitUnescaped(input, ',')) {
    const m = findOperator(term);
    if (!m) throw new SelectorParseError(`invalid selector: '${input}'; can't understand '${term}'`);
    const field = term.slice(0, m.at).trim();
    const value = unescape(term.slice(m.at + m.len));
    if (!field) throw new SelectorParseError(`invalid selector: '${input}'; can't understand '${term}'`);
    out.push({ field, op: m.op, value });
  }
  return out;
}

function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) { cur += s[i] + s[i + 1]; i++; continue; }
    if (s[i] === sep) { parts.push(cur); cur = ''; continue; }
    cur += s[i];
  }
  parts.push(cur);
  return parts;
}

function findOperator(term: string): { at: number; len: number; op: '=' | '!=' } | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') { i++; continue; }
    if (term.startsWith('!=', i)) return { at: i, len: 2, op: '!=' };
    if (term.startsWith('==', i)) return { at: i, len: 2, op: '=' };
    if (term[i] === '=') return { at: i, len: 1, op: '=' };
  }
  return undefined;
}

function unescape(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}

export function matchFields(reqs: FieldRequirement[], fields: Record<string, string> | undefined): boolean {
  const f = fields ?? {};
  for (const r of reqs) {
    const v = f[r.field] ?? '';
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
