// Field paths and field sets, as sigs.k8s.io/structured-merge-diff models
// them (fieldpath package): a path element names a struct or map field
// ("f:"), a listType=map item by its keys ("k:"), a listType=set item by its
// value ("v:") or a list index ("i:"). A FieldSet is a tree of path elements
// where each node can itself be a member (owned) and have children; it
// serialises to the FieldsV1 JSON of metadata.managedFields.

/** One step of a field path. Keys of a `k` element are sorted by name. */
export type PathElement =
  | { readonly f: string }
  | { readonly k: ReadonlyArray<readonly [string, unknown]> }
  | { readonly v: unknown }
  | { readonly i: number };

export type Path = readonly PathElement[];

// ---------------------------------------------------------------------------
// Ordering (fieldpath.PathElement.Compare and value.Compare)
// ---------------------------------------------------------------------------

/** Go's strings.Compare: byte order of the UTF-8 encoding, i.e. code point order. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // A surrogate encodes a code point above U+FFFF, which sorts after every BMP character.
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    if (sa !== sb) return sa ? 1 : -1;
    return ca < cb ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** value.Compare's total order: numbers < strings < booleans < lists < maps < null. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0: return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 1: return compareStrings(a as string, b as string);
    case 2: return a === b ? 0 : a ? 1 : -1;
    case 3: {
      const la = a as unknown[];
      const lb = b as unknown[];
      for (let i = 0; i < Math.min(la.length, lb.length); i++) {
        const c = compareValues(la[i], lb[i]);
        if (c !== 0) return c;
      }
      return la.length < lb.length ? -1 : la.length > lb.length ? 1 : 0;
    }
    case 4: {
      const ka = Object.keys(a as object).sort(compareStrings);
      const kb = Object.keys(b as object).sort(compareStrings);
      for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
        const c = compareStrings(ka[i], kb[i]);
        if (c !== 0) return c;
        const d = compareValues((a as Record<string, unknown>)[ka[i]], (b as Record<string, unknown>)[kb[i]]);
        if (d !== 0) return d;
      }
      return ka.length < kb.length ? -1 : ka.length > kb.length ? 1 : 0;
    }
    default: return 0;
  }
}

function valueRank(v: unknown): number {
  switch (typeof v) {
    case 'number': return 0;
    case 'string': return 1;
    case 'boolean': return 2;
    default:
      if (Array.isArray(v)) return 3;
      if (isPlainObject(v)) return 4;
      return 5;
  }
}

const peKind = (pe: PathElement): number => ('f' in pe ? 0 : 'k' in pe ? 1 : 'v' in pe ? 2 : 3);

/** PathElement.Compare: field names, then keys, then values, then indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const ka = peKind(a);
  const kb = peKind(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  if ('f' in a) return compareStrings(a.f, (b as { f: string }).f);
  if ('k' in a) {
    const fa = a.k;
    const fb = (b as { k: ReadonlyArray<readonly [string, unknown]> }).k;
    for (let i = 0; ; i++) {
      if (i >= fa.length && i >= fb.length) return 0;
      if (i >= fa.length) return -1;
      if (i >= fb.length) return 1;
      const c = compareStrings(fa[i][0], fb[i][0]);
      if (c !== 0) return c;
      const d = compareValues(fa[i][1], fb[i][1]);
      if (d !== 0) return d;
    }
  }
  if ('v' in a) return compareValues(a.v, (b as { v: unknown }).v);
  const ia = (a as { i: number }).i;
  const ib = (b as { i: number }).i;
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Serialisation (fieldpath/serialize-pe.go) and human-readable strings
// ---------------------------------------------------------------------------

/**
 * JSON as Go's encoding/json (and jsoniter's standard-library mode) writes
 * it: like JSON.stringify, plus HTML-safe escapes of <, > and & and of
 * U+2028/U+2029.
 */
export function goJSON(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The serialised form of a path element: the key used in FieldsV1. */
export function serializePathElement(pe: PathElement): string {
  if ('f' in pe) return `f:${pe.f}`;
  if ('k' in pe) return `k:{${pe.k.map(([n, v]) => `${goJSON(n)}:${goJSON(v)}`).join(',')}}`;
  if ('v' in pe) return `v:${goJSON(pe.v)}`;
  return `i:${pe.i}`;
}

export class FieldsV1Error extends Error {}

/** Parses one FieldsV1 key; undefined for an element type this version does not know (ignored, as upstream does). */
export function deserializePathElement(s: string): PathElement | undefined {
  if (s.length < 2) throw new FieldsV1Error('key must be 2 characters long:');
  if (s[1] !== ':') throw new FieldsV1Error(`missing colon: ${s}`);
  const rest = s.slice(2);
  switch (s[0]) {
    case 'f': return { f: rest };
    case 'v': return { v: parseJSON(rest) };
    case 'k': {
      const obj = parseJSON(rest);
      if (!isPlainObject(obj)) throw new FieldsV1Error(`parsing key as path element: expected an object in ${s}`);
      return makeKey(Object.entries(obj));
    }
    case 'i': {
      if (!/^-?\d+$/.test(rest)) throw new FieldsV1Error(`strconv.Atoi: parsing ${JSON.stringify(rest)}: invalid syntax`);
      return { i: Number(rest) };
    }
    default: return undefined;
  }
}

function parseJSON(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch (e) {
    throw new FieldsV1Error(`parsing key as path element: ${(e as Error).message}`);
  }
}

/** A `k:` element from key fields, sorted by name as upstream keeps them. */
export function makeKey(fields: Iterable<readonly [string, unknown]>): PathElement {
  return { k: [...fields].sort((a, b) => compareStrings(a[0], b[0])) };
}

/** Go's strconv.Quote, close enough for the values that appear in field paths. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; break;
      case '\\': out += '\\\\'; break;
      case '\x07': out += '\\a'; break;
      case '\b': out += '\\b'; break;
      case '\f': out += '\\f'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      case '\v': out += '\\v'; break;
      default:
        if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
        else out += ch;
    }
  }
  return out + '"';
}

/** Go's %v of a float64 (strconv 'g', shortest, exponent from 1e+06 and below 1e-04). */
export function goFloat(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : x < 0 ? '-Inf' : 'NaN';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mant, expStr] = x.toExponential().split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) {
    return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(x);
}

/** value.ToString: how values print inside a field path (".spec.ports[containerPort=80,protocol=\"TCP\"]"). */
export function valueToString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'number': return Number.isInteger(v) ? String(v) : goFloat(v);
    case 'string': return goQuote(v);
    case 'boolean': return String(v);
    default:
      if (Array.isArray(v)) return `[${v.map(valueToString).join(',')}]`;
      return `{${Object.keys(v as object).sort(compareStrings).map((k) => `${k}=${valueToString((v as Record<string, unknown>)[k])}`).join(';')}}`;
  }
}

/** PathElement.String. */
export function pathElementString(pe: PathElement): string {
  if ('f' in pe) return `.${pe.f}`;
  if ('k' in pe) return `[${pe.k.map(([n, v]) => `${n}=${valueToString(v)}`).join(',')}]`;
  if ('v' in pe) return `[=${valueToString(pe.v)}]`;
  return `[${pe.i}]`;
}

/** Path.String: ".spec.containers[name=\"nginx\"].image". */
export const pathString = (p: Path): string => p.map(pathElementString).join('');

// ---------------------------------------------------------------------------
// FieldSet (fieldpath.Set)
// ---------------------------------------------------------------------------

interface SetNode { pe: PathElement; set: FieldSet }

const byElement = (a: { pe: PathElement }, b: { pe: PathElement }) => comparePathElements(a.pe, b.pe);

/**
 * A set of field paths. Each node has members (path elements that are
 * themselves in the set) and children (path elements with paths below
 * them). Nodes are keyed by their serialised element; order is applied when
 * iterating or serialising.
 */
export class FieldSet {
  readonly members = new Map<string, PathElement>();
  readonly children = new Map<string, SetNode>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: Path): this {
    if (path.length === 0) return this;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) {
      const key = serializePathElement(path[i]);
      let child = node.children.get(key);
      if (!child) {
        child = { pe: path[i], set: new FieldSet() };
        node.children.set(key, child);
      }
      node = child.set;
    }
    const last = path[path.length - 1];
    node.members.set(serializePathElement(last), last);
    return this;
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1; i++) {
      node = node.children.get(serializePathElement(path[i]))?.set;
      if (!node) return false;
    }
    return node.members.has(serializePathElement(path[path.length - 1]));
  }

  hasMember(pe: PathElement): boolean { return this.members.has(serializePathElement(pe)); }

  /** The set below one element (fieldpath.Set.WithPrefix), or undefined. */
  child(pe: PathElement): FieldSet | undefined { return this.children.get(serializePathElement(pe))?.set; }

  isEmpty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.set.isEmpty()) return false;
    return true;
  }

  clone(): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) out.members.set(k, pe);
    for (const [k, c] of this.children) out.children.set(k, { pe: c.pe, set: c.set.clone() });
    return out;
  }

  union(o: FieldSet): FieldSet {
    const out = this.clone();
    for (const [k, pe] of o.members) out.members.set(k, pe);
    for (const [k, c] of o.children) {
      const mine = out.children.get(k);
      out.children.set(k, { pe: c.pe, set: mine ? mine.set.union(c.set) : c.set.clone() });
    }
    return out;
  }

  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (o.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const theirs = o.children.get(k);
      if (!theirs) continue;
      const i = c.set.intersection(theirs.set);
      if (!i.isEmpty()) out.children.set(k, { pe: c.pe, set: i });
    }
    return out;
  }

  /** Members of this set that are not members of o; a removed member keeps its children. */
  difference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!o.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const theirs = o.children.get(k);
      const d = theirs ? c.set.difference(theirs.set) : c.set.clone();
      if (!d.isEmpty()) out.children.set(k, { pe: c.pe, set: d });
    }
    return out;
  }

  /** Like difference, but a member of o also removes everything below it. */
  recursiveDifference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!o.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      if (o.members.has(k)) continue;
      const theirs = o.children.get(k);
      const d = theirs ? c.set.recursiveDifference(theirs.set) : c.set.clone();
      if (!d.isEmpty()) out.children.set(k, { pe: c.pe, set: d });
    }
    return out;
  }

  equals(o: FieldSet): boolean {
    return this.difference(o).isEmpty() && o.difference(this).isEmpty();
  }

  sortedMembers(): PathElement[] { return [...this.members.values()].sort(comparePathElements); }
  sortedChildren(): SetNode[] { return [...this.children.values()].sort(byElement); }

  /** Every path in the set, in upstream's iteration order (members first, then children, each sorted). */
  iterate(fn: (p: Path) => void, prefix: PathElement[] = []): void {
    for (const pe of this.sortedMembers()) fn([...prefix, pe]);
    for (const c of this.sortedChildren()) c.set.iterate(fn, [...prefix, c.pe]);
  }

  paths(): Path[] {
    const out: Path[] = [];
    this.iterate((p) => out.push(p));
    return out;
  }

  /** The FieldsV1 object (Set.ToJSON): sorted keys, `".": {}` first where a node is also a member. */
  toFieldsV1(): Record<string, unknown> {
    return this.emit(false);
  }

  private emit(includeSelf: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (includeSelf && !this.isEmpty()) out['.'] = {};
    const entries: { pe: PathElement; key: string; node?: FieldSet; member: boolean }[] = [];
    for (const [key, pe] of this.members) if (!this.children.has(key) || this.children.get(key)!.set.isEmpty()) entries.push({ pe, key, member: true });
    for (const [key, c] of this.children) {
      if (c.set.isEmpty()) continue;
      entries.push({ pe: c.pe, key, node: c.set, member: this.members.has(key) });
    }
    entries.sort(byElement);
    for (const e of entries) setKey(out, e.key, e.node ? e.node.emit(e.member) : {});
    return out;
  }

  /** Set.FromJSON over a parsed FieldsV1 object. */
  static fromFieldsV1(obj: unknown): FieldSet {
    if (!isPlainObject(obj)) throw new FieldsV1Error('FieldsV1 must be an object');
    return readNode(obj).children ?? new FieldSet();
  }

  /** The FieldsV1 JSON text exactly as the apiserver writes it. */
  toJSON(): string {
    return goJSON(this.toFieldsV1());
  }
}

function readNode(obj: Record<string, unknown>): { children?: FieldSet; isMember: boolean } {
  let children: FieldSet | undefined;
  let isMember = false;
  for (const [key, val] of Object.entries(obj)) {
    if (key === '.') { isMember = true; continue; }
    const pe = deserializePathElement(key);
    if (!pe) continue;
    if (!isPlainObject(val)) throw new FieldsV1Error(`parsing key as path element: expected an object at ${key}`);
    const sub = readNode(val);
    children ??= new FieldSet();
    const k = serializePathElement(pe);
    if (sub.isMember) children.members.set(k, pe);
    if (sub.children) {
      const existing = children.children.get(k);
      children.children.set(k, { pe, set: existing ? existing.set.union(sub.children) : sub.children });
    }
  }
  if (!children) isMember = true;
  return { children, isMember };
}

/** Sets a key on a plain object, including one spelled "__proto__". */
export function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
