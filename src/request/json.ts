// JSON bodies within encoding/json's limits. JSON.parse takes documents Go's
// decoder refuses, and what it takes then breaks later: a body nested a
// million deep parses, and the first recursive walk over it overflows the
// stack (a 500); 1e400 parses as Infinity, which JSON.stringify stores as null.

/**
 * How deep a body may nest. encoding/json (and so kube) stops at 10,000 levels;
 * the handlers here recurse (patches, pruning, defaulting, managed fields) and
 * run out of stack between 2,000 and 4,000, so bodies stop at 1,000, with Go's words.
 */
export const MAX_JSON_DEPTH = 1_000;

/** What Go's decoder would say instead of decoding. */
export class JsonLimitError extends Error {
  /** "syntax": the scanner stops (an undecodable document); "value": a value no Go type holds. */
  constructor(message: string, readonly kind: 'syntax' | 'value') {
    super(message);
  }
}

/**
 * Go's scanner error for nesting past MAX_JSON_DEPTH, in one pass that keeps no
 * stack (it counts brackets outside strings); undefined when the depth is fine.
 */
export function depthError(text: string): string | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote, past escapes
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) return `invalid character '${text[i]}' exceeded max depth`;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return undefined;
}

/** A number literal float64 cannot hold: an exponent of three digits or more, or 309 digits. */
const HUGE_NUMBER = /[0-9][eE][+]?[0-9]{3}|[0-9]{309}/;

/** The first number in a parsed value that is not finite, without recursion. */
function firstNonFinite(value: unknown): number | undefined {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'number' && !Number.isFinite(v)) return v;
    if (v !== null && typeof v === 'object') for (const item of Object.values(v as object)) stack.push(item);
  }
  return undefined;
}

/** The literal that overflowed, as Go quotes it in "cannot unmarshal number 1e400". */
const literalOf = (text: string) => /-?[0-9.]+[eE][+]?[0-9]{3,}|-?[0-9]{309,}(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?/.exec(text)?.[0] ?? 'Infinity';

/**
 * JSON.parse within Go's limits: nesting over MAX_JSON_DEPTH is a syntax
 * error, a number past float64 a value error (JsonLimitError). JSON.parse's
 * own SyntaxError passes through for the caller to word as Go does.
 */
export function parseJson(text: string): unknown {
  const deep = depthError(text);
  if (deep) throw new JsonLimitError(deep, 'syntax');
  const value = JSON.parse(text) as unknown;
  if (HUGE_NUMBER.test(text) && firstNonFinite(value) !== undefined) {
    throw new JsonLimitError(`json: cannot unmarshal number ${literalOf(text)} into Go value of type float64`, 'value');
  }
  return value;
}
