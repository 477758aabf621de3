// YAML on the wire as kube-apiserver has it through sigs.k8s.io/yaml and
// go-yaml v2: bodies read as YAML 1.1 (yes/on are booleans, 0777 is octal,
// timestamps stay strings, << merges) and turned into the JSON they mean;
// answers written with map keys sorted as go-yaml sorts them and sequences
// flush with their key, so that they equal `kubectl get -o yaml`.
import { isCollection, isMap, isScalar, Lexer, LineCounter, parseAllDocuments, stringify, visit, type Document, type Pair, type Scalar, type ScalarTag, type Tags } from 'yaml';

/** A body that is not YAML kube can take; `message` is go-yaml's wording, "yaml: line 3: ...". */
export class YamlError extends Error {}

/** A decoded body, and its duplicate keys as go-yaml's strict decoder lists them: `line 4: key "name" already set in map`. */
export interface YamlBody { value: unknown; duplicates: string[] }

/** The prefix of go-yaml's strict errors; kube splits what follows into one warning per line. */
export const UNMARSHAL_ERRORS = 'yaml: unmarshal errors:\n';

/** go-yaml's strict error for a body's duplicate keys, none if it has none. */
export const strictErrorsOf = (body: YamlBody): string[] =>
  (body.duplicates.length ? [UNMARSHAL_ERRORS + body.duplicates.map((d) => `  ${d}`).join('\n')] : []);

/** go-yaml's decoder gives up at this many alias expansions (its "excessive aliasing" check). */
const MAX_ALIAS_COUNT = 100;

const CORE_TAGS = new Set(['map', 'seq', 'str', 'null', 'bool', 'int', 'float', 'merge'].map((t) => `tag:yaml.org,2002:${t}`));
const FLOAT = 'tag:yaml.org,2002:float';
/** go-yaml's yamlStyleFloat wants a digit: ".", "-." and "+." are strings. */
const GO_FLOAT = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]*[0-9][0-9_]*)$/;

/**
 * YAML 1.1's scalars and collections as go-yaml v2 resolves them, without
 * sexagesimals and what JSON cannot hold (binary, sets, ordered maps), and
 * with timestamps only when writing (go-yaml quotes them, and reads them as text).
 */
const goYamlTags = (writing: boolean) => (tags: Tags): Tags => tags
  .filter((t) => typeof t === 'object' && (CORE_TAGS.has(t.tag) || (writing && t.tag === 'tag:yaml.org,2002:timestamp')) && (t as { format?: string }).format !== 'TIME')
  .map((t) => (typeof t === 'object' && t.tag === FLOAT && (t as ScalarTag).test?.test('.') ? { ...(t as ScalarTag), test: GO_FLOAT } : t));

const READ = { version: '1.1', merge: true, uniqueKeys: false, customTags: goYamlTags(false) } as const;

/**
 * The first document of a YAML body as a JSON value (null for an empty body),
 * or a YamlError. Aliases may not expand past MAX_ALIAS_COUNT, keys must be
 * scalars, and tags other than YAML's core ones are refused rather than read
 * as text: a body is data, never code.
 */
export function yamlToJson(text: string): YamlBody {
  checkFlowNesting(text);
  const lines = new LineCounter();
  let doc: Document.Parsed | undefined;
  try {
    doc = parseAllDocuments(text, { ...READ, lineCounter: lines })[0] as Document.Parsed | undefined;
  } catch (e) {
    throw new YamlError(`yaml: ${(e as Error).message}`);
  }
  if (!doc) return { value: null, duplicates: [] };
  const at = (offset: number) => `line ${lines.linePos(offset).line}`;
  const duplicates: { offset: number; message: string }[] = [];
  for (const e of doc.errors) throw new YamlError(`yaml: ${at(e.pos[0])}: ${firstLine(e.message)}`);
  for (const w of doc.warnings) {
    if (w.code === 'TAG_RESOLVE_FAILED') throw new YamlError(`yaml: ${at(w.pos[0])}: ${firstLine(w.message).replace(/^Unresolved tag/, 'unknown tag')}`);
  }
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items as Pair[]) {
        if (isCollection(pair.key)) {
          throw new YamlError(`yaml: ${at((pair.key.range ?? [0])[0])}: unsupported map key: a ${isMap(pair.key) ? 'mapping' : 'sequence'} cannot be a key in JSON`);
        }
        if (!isScalar(pair.key) || pair.key.source === '<<') continue;
        const key = String(pair.key.value);
        const offset = (pair.key.range ?? [0])[0];
        if (seen.has(key)) duplicates.push({ offset, message: `${at(offset)}: key ${JSON.stringify(key)} already set in map` });
        seen.add(key);
      }
    },
  });
  try {
    // in document order, as go-yaml decodes
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), duplicates: duplicates.sort((a, b) => a.offset - b.offset).map((d) => d.message) };
  } catch (e) {
    if (/alias/i.test((e as Error).message)) throw new YamlError('yaml: document contains excessive aliasing');
    throw new YamlError(`yaml: ${firstLine((e as Error).message)}`);
  }
}

/**
 * go-yaml stops at 10,000 levels; the yaml library's composer recurses, and
 * slows down more than linearly with flow collections nested in flow
 * collections (an unclosed `[{` 200 deep takes seconds, a collection as the
 * key of a flow map worse), so a body is lexed first, which is linear and
 * keeps no stack, and refused when its flow nesting is deeper than any
 * manifest needs, unclosed, or has a collection for a key (which JSON cannot
 * hold, and is refused after parsing anyway).
 */
export const MAX_FLOW_DEPTH = 64;

function checkFlowNesting(text: string) {
  const open: string[] = [];
  let previous = '';
  let line = 1;
  for (const token of new Lexer().lex(text)) {
    if (token === '{' || token === '[') {
      if (open[open.length - 1] === '{' && (previous === '{' || previous === ',')) {
        throw new YamlError(`yaml: line ${line}: unsupported map key: a ${token === '{' ? 'mapping' : 'sequence'} cannot be a key in JSON`);
      }
      open.push(token);
      if (open.length > MAX_FLOW_DEPTH) throw new YamlError(`yaml: line ${line}: exceeded max depth of ${MAX_FLOW_DEPTH}`);
    } else if (token === '}' || token === ']') {
      open.pop();
    }
    for (let i = token.indexOf('\n'); i >= 0; i = token.indexOf('\n', i + 1)) line++;
    // the lexer's control tokens (document and scalar starts) and blanks are not what precedes
    if (token.trim() !== '' && token.charCodeAt(0) > 0x1f) previous = token;
  }
  if (open.length) throw new YamlError(`yaml: line ${line}: did not find expected ',' or '${open[open.length - 1] === '{' ? '}' : ']'}'`);
}

/** The error text without the source excerpt the parser appends. */
const firstLine = (message: string) => message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');

/**
 * JSONToYAML: go-yaml's sort of map keys, two-space indent, sequences flush
 * with their key, strings YAML 1.1 would read as something else quoted.
 */
export function jsonToYaml(value: unknown): string {
  return foldPlainLines(stringify(value, {
    version: '1.1',
    customTags: goYamlTags(true),
    indentSeq: false,
    sortMapEntries: (a, b) => goKeyCompare(keyText(a), keyText(b)),
    lineWidth: 0,
  }));
}

/** go-yaml's best_width. */
const BEST_WIDTH = 80;
const LINE = /^( *)((?:- )*)((?:"(?:[^"\\]|\\.)*"|[^"\s][^\n]*?): )?(.*)$/;
const BLOCK_SCALAR = /^[|>][-+0-9]*$/;

/**
 * go-yaml folds a plain scalar value at the first space past column 80 (a line
 * may run over, unlike the yaml library's folding, which stays under), onto a
 * line indented one level deeper. Block scalars' lines are their content and stay.
 */
function foldPlainLines(text: string): string {
  const out: string[] = [];
  let blockIndent = -1;
  for (const line of text.split('\n')) {
    const m = LINE.exec(line)!;
    const [, indent, dashes, key, value] = m;
    if (blockIndent >= 0 && (line.length === 0 || indent.length > blockIndent)) { out.push(line); continue; }
    blockIndent = BLOCK_SCALAR.test(value) ? indent.length + dashes.length : -1;
    if (line.length <= BEST_WIDTH + 1 || !value || /^["'|>{[&*!]/.test(value)) { out.push(line); continue; }
    const continuation = ' '.repeat(indent.length + dashes.length + (key ? 2 : 0));
    let current = indent + dashes + (key ?? '');
    for (let i = 0; i < value.length; i++) {
      const c = value[i];
      if (c === ' ' && current.length > BEST_WIDTH && value[i - 1] !== ' ' && value[i + 1] !== ' ' && i + 1 < value.length) {
        out.push(current);
        current = continuation;
        continue;
      }
      current += c;
    }
    out.push(current);
  }
  return out.join('\n');
}

const keyText = (p: Pair) => String((p.key as Scalar | string | undefined) && typeof p.key === 'object' ? (p.key as Scalar).value : p.key);

const isLetter = (c: string) => /\p{L}/u.test(c);
const isDigit = (c: string) => c >= '0' && c <= '9';

/**
 * go-yaml's keyList.Less for two string keys: letters compare by code point, a
 * non-letter goes before a letter (after a digit, the letter goes first), and
 * runs of digits compare as numbers.
 */
export function goKeyCompare(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) {
      digits = isDigit(ar[i]);
      continue;
    }
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i] ? -1 : 1;
    if (al || bl) return (digits ? al : bl) ? -1 : 1;
    let an = 0n;
    let bn = 0n;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') { an = 1n; bn = 1n; break; }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10n + BigInt(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10n + BigInt(br[bi]);
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return ar[i] < br[i] ? -1 : 1;
  }
  return ar.length - br.length;
}
