// Compiling a schema's x-kubernetes-validations: every rule (and
// messageExpression) type-checked against the schema node it sits on, with
// `self` (and `oldSelf` where the rule uses it) typed from the schema; its
// static cost estimated. Errors are reported as kube reports them when a CRD
// is written; what compiles is kept per schema for validating objects.
import type { Environment } from '@marcbachmann/cel-js';
import type { FieldError } from '../../resources/types';
import { Errors } from '../../resources/validation';
import type { JSONSchemaProps, ValidationRule } from '../types';
import { kubernetesEnvironment, rewriteMatches, RE2_MATCHES } from './library';
import { SchemaTypes } from './types';
import { cardinality, CostEstimator, costErrorMessage, maxSize, RULE_COST_LIMIT, SCHEMA_COST_LIMIT } from './cost';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Program = ((ctx: Record<string, unknown>) => unknown) & { ast: any };

export interface CompiledRule {
  rule: ValidationRule;
  program: Program;
  message?: Program;
  /** The rule reads oldSelf: it runs on updates only (unless optionalOldSelf). */
  transition: boolean;
}

export interface CompiledSchema {
  /** The compiled rules of each schema node that has any. */
  rules: Map<JSONSchemaProps, CompiledRule[]>;
  errors: FieldError[];
}

const cache = new WeakMap<JSONSchemaProps, CompiledSchema>();
let typePrefix = 0;

/** The rules of a schema, compiled once per schema object. `path` names the schema in errors. */
export function compileSchema(schema: JSONSchemaProps, path = 'openAPIV3Schema'): CompiledSchema {
  const known = cache.get(schema);
  if (known && path === 'openAPIV3Schema') return known;
  const env = kubernetesEnvironment();
  const types = new SchemaTypes(env, `crd${typePrefix++}`);
  const sites: { schema: JSONSchemaProps; path: string; type: string; sizes: number[] }[] = [];
  const e = new Errors();
  // the types of every node with rules are registered first: an environment is frozen once cloned
  const visit = (s: JSONSchemaProps, p: string, sizes: number[], root: boolean) => {
    if (s['x-kubernetes-validations']?.length) sites.push({ schema: s, path: p, type: types.typeOf(s, root), sizes });
    for (const [k, c] of Object.entries(s.properties ?? {})) visit(c, `${p}.properties[${k}]`, sizes, false);
    if (s.items && !Array.isArray(s.items)) visit(s.items, `${p}.items`, [...sizes, maxSize(s)], false);
    if (typeof s.additionalProperties === 'object') visit(s.additionalProperties, `${p}.additionalProperties`, [...sizes, maxSize(s)], false);
  };
  visit(schema, path, [], true);
  const rules = new Map<JSONSchemaProps, CompiledRule[]>();
  let total = 0;
  const expensive: { path: string; cost: number }[] = [];
  for (const site of sites) {
    const list: CompiledRule[] = [];
    const estimator = new CostEstimator(site.schema);
    site.schema['x-kubernetes-validations']!.forEach((rule, i) => {
      const at = `${site.path}.x-kubernetes-validations[${i}]`;
      if (!rule || typeof rule.rule !== 'string' || !rule.rule.trim()) return;
      const transition = usesOldSelf(rule.rule);
      if (rule.optionalOldSelf !== undefined && !transition) { e.invalid(`${at}.optionalOldSelf`, rule.optionalOldSelf, 'may not be set if oldSelf is not used in rule'); return; }
      const ruleEnv = scopedEnv(env, site.type, transition && !!rule.optionalOldSelf);
      const program = compile(ruleEnv, rule.rule, 'bool');
      if (typeof program === 'string') { e.invalid(`${at}.rule`, rule, program); return; }
      let message: Program | undefined;
      if (rule.messageExpression) {
        const m = compile(ruleEnv, rule.messageExpression, 'string');
        if (typeof m === 'string') { e.invalid(`${at}.messageExpression`, rule, m.replace('must evaluate to bool', 'must evaluate to string')); return; }
        message = m;
      }
      const cost = estimator.estimate(program.ast) * cardinality(site.sizes);
      if (cost > RULE_COST_LIMIT) { e.forbidden(`${at}.rule`, costErrorMessage('estimated rule cost', cost, RULE_COST_LIMIT)); return; }
      total += cost;
      expensive.push({ path: `${at}.rule`, cost });
      list.push({ rule, program, message, transition });
    });
    if (list.length) rules.set(site.schema, list);
  }
  if (total > SCHEMA_COST_LIMIT) {
    for (const x of expensive.sort((a, b) => b.cost - a.cost).slice(0, 4)) e.forbidden(x.path, 'contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema');
    e.forbidden(path, costErrorMessage('x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema', total, SCHEMA_COST_LIMIT));
  }
  const out = { rules, errors: e.list };
  if (path === 'openAPIV3Schema') cache.set(schema, out);
  return out;
}

function scopedEnv(env: Environment, type: string, optionalOld: boolean): Environment {
  return env.clone().registerVariable('self', type).registerVariable('oldSelf', optionalOld ? `optional<${type}>` : type);
}

/** Whether an expression reads oldSelf (outside string literals). */
function usesOldSelf(source: string): boolean {
  return /(^|[^A-Za-z0-9_.])oldSelf([^A-Za-z0-9_]|$)/.test(source.replace(/"(\\.|[^"\\])*"|'(\\.|[^'\\])*'/g, '""'));
}

/** A program, or kube's "compilation failed" message. */
export function compile(env: Environment, source: string, want: 'bool' | 'string', anyResult = false): Program | string {
  const rewritten = rewriteMatches(source);
  let program: Program;
  try {
    program = env.parse(rewritten) as unknown as Program;
  } catch (err) {
    return compileError(source, err);
  }
  const checked = (program as unknown as { check(): { valid: boolean; type?: string; error?: unknown } }).check();
  if (!checked.valid) return compileError(source, checked.error);
  if (!anyResult && checked.type !== want && checked.type !== 'dyn') return `compilation failed: ERROR: <input>:1:1: expression must evaluate to ${want} but got ${checked.type}`;
  return program;
}

/** cel-go's error format: "ERROR: <input>:line:column: message" and the source line with a caret. */
function compileError(source: string, err: unknown): string {
  const e = err as { message?: string; node?: { pos?: number }; pos?: number };
  let message = (e.message ?? String(err)).split('\n')[0].replaceAll(RE2_MATCHES, 'matches');
  const noKey = /^No such key: (.*)$/.exec(message);
  if (noKey) message = `undefined field '${noKey[1]}'`;
  const pos = e.node?.pos ?? e.pos ?? 0;
  const before = source.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - (before.lastIndexOf('\n') + 1);
  const text = source.split('\n')[line - 1] ?? '';
  return `compilation failed: ERROR: <input>:${line}:${column + 1}: ${message}\n | ${text}\n | ${'.'.repeat(column)}^`;
}
