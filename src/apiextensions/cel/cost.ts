// Static cost estimation of a rule, in the spirit of cel-go's checker.Cost as
// apiextensions-apiserver applies it: every step costs 1, a comprehension
// costs its body once per element of the largest list the schema allows,
// string functions cost a tenth per character. Sizes come from maxItems,
// maxProperties and maxLength, or, where a schema sets none, from what fits
// in the largest request (3 MiB), as kube estimates them. A rule whose
// estimate times the number of places it runs exceeds the limit is refused
// when the CRD is written, so no object can make validation run long.
import type { JSONSchemaProps } from '../types';

/** kube's StaticEstimatedCostLimit (per rule) and StaticEstimatedCRDCostLimit (per schema). */
export const RULE_COST_LIMIT = 10_000_000;
export const SCHEMA_COST_LIMIT = 100_000_000;
const MAX_REQUEST_BYTES = 3 * 1024 * 1024;
const STRING_TRAVERSAL = 0.1;

type Node = { op: string; args: unknown };

/** What an expression stands for, as far as sizes go. */
type Shape = { schema?: JSONSchemaProps };

const STRING_FUNCTIONS = new Set(['matchRE', 'contains', 'startsWith', 'endsWith', 'find', 'findAll', 'split', 'replace', 'lowerAscii', 'upperAscii', 'trim', 'indexOf', 'lastIndexOf', 'substring', 'charAt', 'reverse', 'format', 'join', 'quote', 'url', 'isURL', 'quantity', 'isQuantity', 'validate']);
const LIST_FUNCTIONS = new Set(['isSorted', 'sum', 'min', 'max', 'indexOf', 'lastIndexOf', 'slice', 'reverse', 'distinct', 'flatten', 'sort', 'join']);
const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** The most elements (or characters) a value of this schema can have. */
export function maxSize(s: JSONSchemaProps | undefined): number {
  if (!s) return MAX_REQUEST_BYTES;
  if (s.type === 'string') return s.maxLength ?? MAX_REQUEST_BYTES;
  if (s.type === 'array') return s.maxItems ?? Math.floor(MAX_REQUEST_BYTES / (minElementBytes(s.items) + 1));
  if (s.type === 'object') return s.maxProperties ?? Math.floor(MAX_REQUEST_BYTES / 4);
  return 1;
}

/** The smallest JSON a value of this schema takes ("" for a string, {} for an object, one digit for a number). */
function minElementBytes(s: unknown): number {
  const t = (s as JSONSchemaProps | undefined)?.type;
  return t === 'integer' || t === 'number' || t === 'boolean' ? 1 : 2;
}

/** How many times a rule at this place can run: the product of the enclosing lists' and maps' sizes. */
export const cardinality = (sizes: number[]) => sizes.reduce((a, b) => a * b, 1);

export class CostEstimator {
  private readonly vars: Record<string, JSONSchemaProps | undefined>;

  /** `self`: the schema of a rule's node (self and oldSelf); or the schema of each variable by name. */
  constructor(self: JSONSchemaProps | Record<string, JSONSchemaProps | undefined>, named = false) {
    this.vars = named ? self as Record<string, JSONSchemaProps | undefined> : { self: self as JSONSchemaProps, oldSelf: self as JSONSchemaProps };
  }

  estimate(ast: unknown): number {
    return this.cost(ast as Node, new Map());
  }

  private shape(n: Node, scope: Map<string, JSONSchemaProps | undefined>): Shape {
    switch (n.op) {
      case 'id': {
        const name = n.args as string;
        if (scope.has(name)) return { schema: scope.get(name) };
        return { schema: this.vars[name] };
      }
      case '.': case '.?': {
        const [target, field] = n.args as [Node, string];
        const s = this.shape(target, scope).schema;
        return { schema: s?.properties?.[field] ?? (typeof s?.additionalProperties === 'object' ? s.additionalProperties : undefined) };
      }
      case '[]': {
        const [target] = n.args as [Node];
        const s = this.shape(target, scope).schema;
        return { schema: s?.items && !Array.isArray(s.items) ? s.items : typeof s?.additionalProperties === 'object' ? s.additionalProperties : undefined };
      }
      case 'rcall': {
        const [fn, target] = n.args as [string, Node];
        if (fn === 'filter') return this.shape(target, scope);
        if (fn === 'map') {
          // a map of a list has (at most) as many elements as the list
          const s = this.shape(target, scope).schema;
          return { schema: { type: 'array', maxItems: maxSize(s), items: s?.items && !Array.isArray(s.items) ? s.items : undefined } as JSONSchemaProps };
        }
        if (fn === 'split' || fn === 'findAll') {
          const s = this.shape(target, scope).schema;
          return { schema: { type: 'array', maxItems: maxSize(s), items: { type: 'string', maxLength: maxSize(s) } } };
        }
        return {};
      }
      default:
        return {};
    }
  }

  private elementSchema(s: JSONSchemaProps | undefined): JSONSchemaProps | undefined {
    if (!s) return undefined;
    if (s.type === 'array') return s.items && !Array.isArray(s.items) ? s.items : undefined;
    if (s.type === 'object') return { type: 'string' }; // a map's comprehension runs over its keys
    return undefined;
  }

  private cost(n: Node, scope: Map<string, JSONSchemaProps | undefined>): number {
    if (!n || typeof n !== 'object') return 0;
    const children = (list: unknown[]) => list.reduce<number>((sum, c) => sum + this.cost(c as Node, scope), 0);
    switch (n.op) {
      case 'value': case 'id': return 1;
      case '.': case '.?': return 1 + this.cost((n.args as [Node])[0], scope);
      case 'rcall': {
        const [fn, target, args] = n.args as [string, Node, Node[]];
        const targetCost = this.cost(target, scope);
        if (MACROS.has(fn) && args.length >= 2) {
          const s = this.shape(target, scope).schema;
          const size = maxSize(s);
          const inner = new Map(scope);
          inner.set((args[0] as Node).args as string, this.elementSchema(s));
          const body = args.slice(1).reduce<number>((sum, a) => sum + this.cost(a, inner), 0);
          return targetCost + size * (body + 1);
        }
        if (fn === 'bind' && args.length === 3) {
          const inner = new Map(scope);
          inner.set((args[0] as Node).args as string, this.shape(args[1], scope).schema);
          return targetCost + this.cost(args[1], scope) + this.cost(args[2], inner);
        }
        let extra = 0;
        if (STRING_FUNCTIONS.has(fn)) {
          const size = maxSize(this.shape(target, scope).schema) + args.reduce((m, a) => m + maxSize(this.shape(a, scope).schema ?? { type: 'string', maxLength: 0 }), 0);
          extra = Math.ceil(size * STRING_TRAVERSAL);
        } else if (LIST_FUNCTIONS.has(fn)) {
          const size = maxSize(this.shape(target, scope).schema);
          extra = fn === 'sort' ? Math.ceil(size * Math.log2(Math.max(size, 2))) : size;
        }
        return 1 + targetCost + children(args) + extra;
      }
      case 'call': {
        const [fn, args] = n.args as [string, Node[]];
        let extra = 0;
        if (fn === 'matchRE' || fn === 'url' || fn === 'quantity' || fn === 'isURL' || fn === 'isQuantity') extra = Math.ceil(args.reduce((m, a) => m + maxSize(this.shape(a, scope).schema), 0) * STRING_TRAVERSAL);
        return 1 + children(args) + extra;
      }
      case 'in': {
        const [a, b] = n.args as [Node, Node];
        const s = this.shape(b, scope).schema;
        return 1 + this.cost(a, scope) + this.cost(b, scope) + (s?.type === 'array' ? maxSize(s) : 1);
      }
      case '==': case '!=': case '+': {
        const [a, b] = n.args as [Node, Node];
        // comparing or joining lists and strings walks them
        const size = Math.max(sizeOfComposite(this.shape(a, scope).schema), sizeOfComposite(this.shape(b, scope).schema));
        return 1 + this.cost(a, scope) + this.cost(b, scope) + Math.ceil(size * STRING_TRAVERSAL);
      }
      case 'list': return 1 + children(n.args as Node[]);
      case 'map': return 1 + (n.args as Node[][]).reduce((sum, [k, v]) => sum + this.cost(k, scope) + this.cost(v, scope), 0);
      default: {
        const args = n.args;
        if (Array.isArray(args)) return 1 + children(args.filter((a) => a && typeof a === 'object'));
        if (args && typeof args === 'object') return 1 + this.cost(args as Node, scope);
        return 1;
      }
    }
  }
}

const sizeOfComposite = (s: JSONSchemaProps | undefined) => (s && (s.type === 'string' || s.type === 'array') ? maxSize(s) : 0);

/**
 * A schema that describes one value exactly as far as sizes go (its lists'
 * and strings' actual lengths): estimating with it bounds what evaluating an
 * expression on that value can cost, before it runs.
 */
export function schemaOfValue(v: unknown, depth = 0): JSONSchemaProps {
  if (depth > 64) return {};
  if (typeof v === 'string') return { type: 'string', maxLength: v.length };
  if (typeof v === 'number' || typeof v === 'bigint') return { type: 'integer' };
  if (typeof v === 'boolean') return { type: 'boolean' };
  if (Array.isArray(v)) {
    let widest: JSONSchemaProps = {};
    let size = -1;
    for (const x of v) { const s = schemaOfValue(x, depth + 1); const n = JSON.stringify(s).length; if (n > size) { size = n; widest = s; } }
    return { type: 'array', maxItems: v.length, items: widest };
  }
  if (v && typeof v === 'object') {
    const props: Record<string, JSONSchemaProps> = {};
    for (const [k, x] of Object.entries(v)) props[k] = schemaOfValue(x, depth + 1);
    return { type: 'object', maxProperties: Object.keys(props).length, properties: props };
  }
  return {};
}

/** kube's getCostErrorMessage. */
export function costErrorMessage(name: string, cost: number, limit: number): string {
  const factor = cost / limit;
  const shown = factor > 100 ? 'more than 100x' : factor < 1.5 ? `${factor.toFixed(6)}x` : `${factor.toFixed(1)}x`;
  return `${name} exceeds budget by factor of ${shown} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`;
}
