// The CEL environment kube-apiserver gives x-kubernetes-validations and
// ValidatingAdmissionPolicies (k8s.io/apiserver/pkg/cel/library and the cel-go
// extensions it enables), on @marcbachmann/cel-js: strings, lists, regex
// (RE2: linear time, Go's syntax), URLs, quantities and named formats.
// cel-js's own `matches` uses JavaScript regexps, which can backtrack for
// ever on a hostile pattern; sources are rewritten to call the RE2 one.
import { Environment, EvaluationError, Optional } from '@marcbachmann/cel-js';
import { RE2JS } from '@bufbuild/re2';
import { formatQuantity, parseQuantity, type ParsedQuantity } from '../../resources/quantity';
import { dns1035Label, dns1123Label, dns1123Subdomain, labelValue, qualifiedName } from '../../resources/validation';

const fail = (message: string) => { throw new EvaluationError(message); };

function regex(pattern: string): RE2JS {
  try { return RE2JS.compile(pattern); } catch (e) { return fail(`invalid regular expression: ${(e as Error).message}`); }
}

/** A Kubernetes quantity as a CEL value (kube's Quantity type). */
export class Quantity {
  constructor(readonly parsed: ParsedQuantity) {}
  /** value * 10^9, exact. */
  get nanos(): bigint {
    const { mantissa, exponent } = this.parsed;
    return exponent >= -9 ? mantissa * 10n ** BigInt(exponent + 9) : mantissa / 10n ** BigInt(-9 - exponent);
  }
  compare(o: Quantity): bigint { const d = this.nanos - o.nanos; return d > 0n ? 1n : d < 0n ? -1n : 0n; }
  toString() { return formatQuantity(this.parsed); }
}

const quantityOf = (s: string): Quantity => {
  const p = parseQuantity(s);
  return p ? new Quantity(p) : fail(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
};
const fromNanos = (n: bigint) => new Quantity({ mantissa: n, exponent: -9, format: 'DecimalSI' });

/** A parsed URL as a CEL value (kube's URL type). */
export class URLValue {
  constructor(readonly url: URL, readonly raw: string) {}
}

function parseURL(s: string): URLValue | undefined {
  // Go's url.ParseRequestURI: absolute URLs or absolute paths, no fragments
  if (s.includes('#')) return undefined;
  try {
    if (s.startsWith('/')) return new URLValue(new URL(s, 'x-relative:/'), s);
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(s)) return undefined;
    return new URLValue(new URL(s), s);
  } catch { return undefined; }
}

const FORMATS: Record<string, (s: string) => string[]> = {
  dns1123Label, dns1123Subdomain, dns1035Label, qualifiedName, labelValue,
  dns1123LabelPrefix: (s) => dns1123Label(s.endsWith('-') ? s.slice(0, -1) : s),
  dns1123SubdomainPrefix: (s) => dns1123Subdomain(s.endsWith('-') ? s.slice(0, -1) : s),
  dns1035LabelPrefix: (s) => dns1035Label(s.endsWith('-') ? s.slice(0, -1) : s),
  uuid: (s) => (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s) ? [] : ['invalid UUID']),
  byte: (s) => (/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s) ? [] : ['invalid base64']),
  date: (s) => (/^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)) ? [] : ['invalid date']),
  datetime: (s) => (!Number.isNaN(Date.parse(s)) && /T/.test(s) ? [] : ['invalid datetime']),
};

class StringsNamespace {}
class FormatsNamespace {}

/** A named format of kube's format library: validate() gives optional errors. */
export class NamedFormat {
  constructor(readonly name: string, readonly check: (s: string) => string[]) {}
}

const cmp = (a: unknown, b: unknown): number => {
  if (a instanceof Quantity && b instanceof Quantity) return Number(a.compare(b));
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  return a! < b! ? -1 : a! > b! ? 1 : 0;
};

function unicodeSlice(s: string, start: bigint, end?: bigint): string {
  const chars = [...s];
  const e = end === undefined ? chars.length : Number(end);
  if (start < 0n || Number(start) > chars.length || e < Number(start) || e > chars.length) fail(`index out of range: ${start}`);
  return chars.slice(Number(start), e).join('');
}

/** Go's %v-ish text of a CEL value for format(). */
function text(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(text).join(', ')}]`;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${text(k)}: ${text(x)}`).join(', ')}}`;
  if (v && typeof v === 'object' && !(v instanceof Quantity)) return `{${Object.entries(v).map(([k, x]) => `${k}: ${text(x)}`).join(', ')}}`;
  return String(v);
}

/** cel-go's strings.format: %s %d %f %e %x %X %o %b %%. */
function format(fmt: string, args: unknown[]): string {
  let i = 0;
  return fmt.replace(/%(\.(\d+))?([sdfeExXob%])/g, (_m, _p, prec, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) fail(`index ${i} out of range`);
    const v = args[i++];
    switch (verb) {
      case 's': return text(v);
      case 'd': return typeof v === 'bigint' ? String(v) : typeof v === 'number' && Number.isInteger(v) ? String(v) : fail('error during formatting: decimal clause can only be used on integers');
      case 'f': return Number(v).toFixed(prec === undefined ? 6 : Number(prec));
      case 'e': case 'E': { const t = Number(v).toExponential(prec === undefined ? 6 : Number(prec)).replace(/e([+-])(\d)$/, 'e$10$2'); return verb === 'E' ? t.toUpperCase() : t; }
      case 'x': case 'X': {
        const t = typeof v === 'string' ? [...new TextEncoder().encode(v)].map((b) => b.toString(16).padStart(2, '0')).join('') : (v as bigint).toString(16);
        return verb === 'X' ? t.toUpperCase() : t;
      }
      case 'o': return (v as bigint).toString(8);
      case 'b': return typeof v === 'boolean' ? String(v) : (v as bigint).toString(2);
      default: return '';
    }
  });
}

/** The name `matches` is rewritten to in sources (same length, so error positions stay right). */
export const RE2_MATCHES = 'matchRE';

/** Renames calls of `matches` outside string literals, so they reach the RE2 implementation. */
export function rewriteMatches(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const raw = (c === 'r' || c === 'R') && (source[i + 1] === '"' || source[i + 1] === "'");
    const bytes = (c === 'b' || c === 'B') && (source[i + 1] === '"' || source[i + 1] === "'");
    if (c === '"' || c === "'" || raw || bytes) {
      const start = i;
      if (raw || bytes) i++;
      const q = source[i];
      const triple = source.startsWith(q.repeat(3), i);
      const end = triple ? q.repeat(3) : q;
      i += end.length;
      while (i < source.length && !source.startsWith(end, i)) i += !raw && source[i] === '\\' ? 2 : 1;
      i += end.length;
      out += source.slice(start, i);
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < source.length && /[A-Za-z0-9_]/.test(source[j])) j++;
      const word = source.slice(i, j);
      out += word === 'matches' && /^\s*\(/.test(source.slice(j)) ? RE2_MATCHES : word;
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Registers a function unless cel-js has it already (several of kube's string functions are built in). */
function add(env: Environment, signature: string, fn: (...args: never[]) => unknown) {
  try { env.registerFunction(signature, fn as (...args: unknown[]) => unknown); } catch (e) {
    if (!/overlaps with existing overload/.test((e as Error).message)) throw e;
  }
}

export function kubernetesEnvironment(): Environment {
  const env = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false, limits: { maxAstNodes: 10000, maxDepth: 250 } });
  env.registerType('Quantity', Quantity).registerType('URL', URLValue).registerType('kubernetes.NamedFormat', NamedFormat);
  // namespaced functions (strings.quote, format.named) are methods of constants named after their namespace
  env.registerType('kubernetes.Strings', StringsNamespace).registerType('kubernetes.Formats', FormatsNamespace);
  env.registerConstant('strings', 'kubernetes.Strings', new StringsNamespace()).registerConstant('format', 'kubernetes.Formats', new FormatsNamespace());

  // regex, on RE2
  add(env, `string.${RE2_MATCHES}(string): bool`, (s: string, p: string) => regex(p).test(s));
  add(env, `${RE2_MATCHES}(string, string): bool`, (s: string, p: string) => regex(p).test(s));
  add(env, 'string.find(string): string', (s: string, p: string) => findAll(s, p, 1n)[0] ?? '');
  add(env, 'string.findAll(string): list<string>', (s: string, p: string) => findAll(s, p, -1n));
  add(env, 'string.findAll(string, int): list<string>', (s: string, p: string, n: bigint) => findAll(s, p, n));

  // strings (cel-go ext.Strings)
  add(env, 'string.charAt(int): string', (s: string, i: bigint) => { const c = [...s]; if (i < 0n || i > BigInt(c.length)) fail(`index out of range: ${i}`); return c[Number(i)] ?? ''; });
  add(env, 'string.lowerAscii(): string', (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase()));
  add(env, 'string.upperAscii(): string', (s: string) => s.replace(/[a-z]/g, (c) => c.toUpperCase()));
  add(env, 'string.replace(string, string): string', (s: string, a: string, b: string) => s.split(a).join(b));
  add(env, 'string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => {
    if (n < 0n) return s.split(a).join(b);
    const parts = s.split(a);
    return parts.slice(0, Number(n) + 1).join(b) + (parts.length > Number(n) + 1 ? a + parts.slice(Number(n) + 1).join(a) : '');
  });
  add(env, 'string.trim(): string', (s: string) => s.trim());
  add(env, 'string.reverse(): string', (s: string) => [...s].reverse().join(''));
  add(env, 'string.substring(int): string', (s: string, a: bigint) => unicodeSlice(s, a));
  add(env, 'string.substring(int, int): string', (s: string, a: bigint, b: bigint) => unicodeSlice(s, a, b));
  add(env, 'kubernetes.Strings.quote(string): string', (_ns: unknown, s: string) => JSON.stringify(s));
  add(env, 'string.format(list): string', (s: string, args: unknown[]) => format(s, args));
  add(env, 'list<string>.join(): string', (l: string[]) => l.join(''));
  add(env, 'list<string>.join(string): string', (l: string[], sep: string) => l.join(sep));

  // lists (kube's lists library and cel-go ext.Lists)
  add(env, 'list.isSorted(): bool', (l: unknown[]) => l.every((x, i) => i === 0 || cmp(l[i - 1], x) <= 0));
  add(env, 'list<int>.sum(): int', (l: bigint[]) => l.reduce((a, b) => a + b, 0n));
  add(env, 'list<double>.sum(): double', (l: number[]) => l.reduce((a, b) => a + b, 0));
  add(env, 'list.min(): dyn', (l: unknown[]) => (l.length ? l.reduce((a, b) => (cmp(b, a) < 0 ? b : a)) : fail('min called on empty list')));
  add(env, 'list.max(): dyn', (l: unknown[]) => (l.length ? l.reduce((a, b) => (cmp(b, a) > 0 ? b : a)) : fail('max called on empty list')));
  add(env, 'list.indexOf(dyn): int', (l: unknown[], x: unknown) => BigInt(l.findIndex((y) => cmp(y, x) === 0 && typeof y === typeof x)));
  add(env, 'list.lastIndexOf(dyn): int', (l: unknown[], x: unknown) => { for (let i = l.length - 1; i >= 0; i--) if (cmp(l[i], x) === 0 && typeof l[i] === typeof x) return BigInt(i); return -1n; });
  add(env, 'list.slice(int, int): list', (l: unknown[], a: bigint, b: bigint) => (a < 0n || b < a || b > BigInt(l.length) ? fail(`cannot slice(${a}, ${b}), invalid indices`) : l.slice(Number(a), Number(b))));
  add(env, 'list.reverse(): list', (l: unknown[]) => [...l].reverse());
  add(env, 'list.distinct(): list', (l: unknown[]) => l.filter((x, i) => l.findIndex((y) => cmp(x, y) === 0 && typeof x === typeof y) === i));
  add(env, 'list.flatten(): list', (l: unknown[]) => l.flatMap((x) => (Array.isArray(x) ? x : [x])));
  add(env, 'list.sort(): list', (l: unknown[]) => [...l].sort(cmp));

  // URLs
  add(env, 'url(string): URL', (s: string) => parseURL(s) ?? fail(`URL parse error during conversion from string: ${s}`));
  add(env, 'isURL(string): bool', (s: string) => parseURL(s) !== undefined);
  add(env, 'URL.getScheme(): string', (u: URLValue) => (u.raw.startsWith('/') ? '' : u.url.protocol.slice(0, -1)));
  add(env, 'URL.getHost(): string', (u: URLValue) => (u.raw.startsWith('/') ? '' : u.url.host));
  add(env, 'URL.getHostname(): string', (u: URLValue) => (u.raw.startsWith('/') ? '' : u.url.hostname.replace(/^\[(.*)\]$/, '$1')));
  add(env, 'URL.getPort(): string', (u: URLValue) => (u.raw.startsWith('/') ? '' : u.url.port));
  add(env, 'URL.getEscapedPath(): string', (u: URLValue) => u.url.pathname);
  add(env, 'URL.getQuery(): map<string, list<string>>', (u: URLValue) => {
    const out = new Map<string, string[]>();
    for (const [k, v] of u.url.searchParams) out.set(k, [...(out.get(k) ?? []), v]);
    return out;
  });

  // quantities
  add(env, 'quantity(string): Quantity', (s: string) => quantityOf(s));
  add(env, 'isQuantity(string): bool', (s: string) => parseQuantity(s) !== undefined);
  add(env, 'Quantity.sign(): int', (q: Quantity) => q.compare(fromNanos(0n)));
  add(env, 'Quantity.isGreaterThan(Quantity): bool', (a: Quantity, b: Quantity) => a.compare(b) > 0n);
  add(env, 'Quantity.isLessThan(Quantity): bool', (a: Quantity, b: Quantity) => a.compare(b) < 0n);
  add(env, 'Quantity.compareTo(Quantity): int', (a: Quantity, b: Quantity) => a.compare(b));
  add(env, 'Quantity.add(Quantity): Quantity', (a: Quantity, b: Quantity) => fromNanos(a.nanos + b.nanos));
  add(env, 'Quantity.add(int): Quantity', (a: Quantity, b: bigint) => fromNanos(a.nanos + b * 1_000_000_000n));
  add(env, 'Quantity.sub(Quantity): Quantity', (a: Quantity, b: Quantity) => fromNanos(a.nanos - b.nanos));
  add(env, 'Quantity.sub(int): Quantity', (a: Quantity, b: bigint) => fromNanos(a.nanos - b * 1_000_000_000n));
  add(env, 'Quantity.isInteger(): bool', (q: Quantity) => q.nanos % 1_000_000_000n === 0n);
  add(env, 'Quantity.asInteger(): int', (q: Quantity) => (q.nanos % 1_000_000_000n === 0n ? q.nanos / 1_000_000_000n : fail('cannot convert value to integer')));
  add(env, 'Quantity.asApproximateFloat(): double', (q: Quantity) => Number(q.nanos) / 1e9);

  // named formats (kube's format library)
  add(env, 'kubernetes.Formats.named(string): optional<kubernetes.NamedFormat>', (_ns: unknown, name: string) => (FORMATS[name] ? Optional.of(new NamedFormat(name, FORMATS[name])) : Optional.none()));
  for (const name of Object.keys(FORMATS)) add(env, `kubernetes.Formats.${name}(): kubernetes.NamedFormat`, () => new NamedFormat(name, FORMATS[name]));
  add(env, 'kubernetes.NamedFormat.validate(string): optional<list<string>>', (f: NamedFormat, s: string) => {
    const errs = f.check(s);
    return errs.length ? Optional.of(errs) : Optional.none();
  });
  return env;
}

/**
 * find/findAll need match positions, which the RE2 package does not expose: RE2 decides first
 * whether anything matches (a failing search is where a backtracking engine can run for ever),
 * and only then does a JavaScript regexp pick the matches out.
 */
function findAll(s: string, p: string, n: bigint): string[] {
  if (n === 0n || !regex(p).test(s)) return [];
  let re: RegExp;
  try { re = new RegExp(p, 'gu'); } catch { return fail(`invalid regular expression: ${p}`); }
  const out: string[] = [];
  for (const m of s.matchAll(re)) {
    if (n >= 0n && BigInt(out.length) >= n) break;
    out.push(m[0]);
  }
  return out;
}
