// The CEL of ValidatingAdmissionPolicies: kube's libraries (the same as for
// CRD rules) with the admission variables (object, oldObject, request,
// params, namespaceObject, variables). Every value is dyn here, as it is for
// kube when a policy's types are not known; type checking against the
// matched kinds' schemas is the status controller's (./typecheck.ts).
import type { Environment } from '@marcbachmann/cel-js';
import { kubernetesEnvironment } from '../../apiextensions/cel/library';
import { compile, type Program } from '../../apiextensions/cel/compile';
import { CostEstimator, schemaOfValue } from '../../apiextensions/cel/cost';
import type { JSONSchemaProps } from '../../apiextensions/types';
import type { KObject } from '../../resources/types';

/** kube's PerCallLimit: what one expression may cost when it runs. */
export const PER_CALL_LIMIT = 1_000_000;

export const POLICY_VARIABLES = ['object', 'oldObject', 'request', 'params', 'namespaceObject'] as const;

let base: Environment | undefined;

/** The policy environment: the admission variables dyn, `variables` a map of the policy's variables. */
export function policyEnvironment(): Environment {
  if (!base) {
    const env = kubernetesEnvironment();
    for (const v of POLICY_VARIABLES) env.registerVariable(v, 'dyn');
    env.registerVariable('variables', 'map<string, dyn>');
    base = env;
  }
  return base;
}

const programs = new Map<string, Program | string>();

/** A compiled expression (kept per source and result type), or kube's "compilation failed" message. */
export function compilePolicyExpression(source: string, want: 'bool' | 'string' | 'any'): Program | string {
  const key = `${want}\u0000${source}`;
  let p = programs.get(key);
  if (p === undefined) {
    p = compile(policyEnvironment(), source, want === 'any' ? 'bool' : want, want === 'any');
    if (programs.size > 5000) programs.clear();
    programs.set(key, p);
  }
  return p;
}

/** Evaluates a program within kube's per-call cost limit, estimated from the values it reads before it runs. */
export function evaluate(p: Program, vars: Record<string, unknown>, schemas: Record<string, JSONSchemaProps | undefined>): unknown {
  const cost = new CostEstimator(schemas, true).estimate(p.ast);
  if (cost > PER_CALL_LIMIT) throw new Error('operation cancelled: actual cost limit exceeded');
  return p(vars);
}

/** The sizes of the admission variables, for the cost check. */
export function variableSchemas(vars: Record<string, unknown>): Record<string, JSONSchemaProps | undefined> {
  const out: Record<string, JSONSchemaProps | undefined> = {};
  for (const [k, v] of Object.entries(vars)) out[k] = v === undefined || v === null ? undefined : schemaOfValue(v as KObject);
  return out;
}
