// Type checking of a ValidatingAdmissionPolicy (what kube's policy status
// controller reports in status.typeChecking): each expression compiled with
// `object` and `oldObject` typed as each kind the policy matches (from that
// kind's schema) and `params` as its paramKind; a failure is a warning naming
// the kind, as "apps/v1, Kind=Deployment: ERROR: <input>:1:8: undefined field".
import type { Environment } from '@marcbachmann/cel-js';
import type { KObject, ResourceDefinition } from '../../resources/types';
import type { SchemaNode } from '../../schema/types';
import { schemaFor } from '../../schema';
import { kubernetesEnvironment } from '../../apiextensions/cel/library';
import { compile } from '../../apiextensions/cel/compile';

let prefix = 0;

/** Registers the object types of a SchemaNode; returns its CEL type. */
function typeOf(env: Environment, node: SchemaNode, names: Map<SchemaNode, string>, tag: string, depth = 0): string {
  if (depth > 32) return 'dyn';
  switch (node.type) {
    case 'string': return 'string';
    case 'integer': return 'int';
    case 'number': return 'double';
    case 'boolean': return 'bool';
    case 'array': return `list<${typeOf(env, node.items, names, tag, depth + 1)}>`;
    case 'map': return `map<string, ${typeOf(env, node.values, names, tag, depth + 1)}>`;
    case 'object': {
      if (node.preserveUnknownFields) return 'dyn';
      const known = names.get(node);
      if (known) return known;
      const name = `${tag}.T${names.size}`;
      names.set(node, name);
      const fields: Record<string, string> = {};
      for (const [k, f] of Object.entries(node.fields)) fields[k] = typeOf(env, f, names, tag, depth + 1);
      env.registerType(name, { fields });
      return name;
    }
    default: return 'dyn';
  }
}

/** The kinds a policy's rules name exactly (wildcards are not checked, as kube does not). */
export function matchedKinds(policy: KObject, find: (group: string, version: string, resource: string) => ResourceDefinition | undefined): ResourceDefinition[] {
  const out: ResourceDefinition[] = [];
  for (const r of policy.spec?.matchConstraints?.resourceRules ?? []) {
    for (const g of r.apiGroups ?? []) for (const v of r.apiVersions ?? []) for (const res of r.resources ?? []) {
      if (g === '*' || v === '*' || res.includes('*')) continue;
      const d = find(g, v, res.split('/')[0]);
      if (d && !out.includes(d)) out.push(d);
    }
  }
  return out;
}

/** Warnings for every expression that does not type-check against a matched kind. */
export function typeCheck(policy: KObject, kinds: ResourceDefinition[], paramKind?: ResourceDefinition): { fieldRef: string; warning: string }[] {
  const spec = policy.spec ?? {};
  const expressions: [string, string, 'bool' | 'string'][] = [
    ...(spec.validations ?? []).map((v: KObject, i: number) => [`spec.validations[${i}].expression`, v.expression, 'bool'] as [string, string, 'bool']),
    ...(spec.validations ?? []).flatMap((v: KObject, i: number) => (v.messageExpression ? [[`spec.validations[${i}].messageExpression`, v.messageExpression, 'string'] as [string, string, 'string']] : [])),
    ...(spec.matchConditions ?? []).map((c: KObject, i: number) => [`spec.matchConditions[${i}].expression`, c.expression, 'bool'] as [string, string, 'bool']),
  ];
  const warnings = new Map<string, string[]>();
  for (const def of kinds) {
    const schema = schemaFor(def);
    if (!schema) continue;
    const env = kubernetesEnvironment();
    const tag = `vap${prefix++}`;
    const names = new Map<SchemaNode, string>();
    const objectType = typeOf(env, schema, names, tag);
    const paramSchema = paramKind ? schemaFor(paramKind) : undefined;
    const paramType = paramSchema ? typeOf(env, paramSchema, names, tag) : 'dyn';
    const scoped = env.clone()
      .registerVariable('object', objectType).registerVariable('oldObject', objectType).registerVariable('params', paramType)
      .registerVariable('request', 'dyn').registerVariable('namespaceObject', 'dyn').registerVariable('variables', 'map<string, dyn>');
    for (const [field, source, want] of expressions) {
      if (typeof source !== 'string') continue;
      const p = compile(scoped, source, want);
      if (typeof p !== 'string') continue;
      const gvk = `${def.group ? `${def.group}/` : ''}${def.version}, Kind=${def.kind}`;
      const list = warnings.get(field) ?? [];
      list.push(`${gvk}: ${p.replace(/^compilation failed: /, '')}`);
      warnings.set(field, list);
    }
  }
  return [...warnings].map(([fieldRef, list]) => ({ fieldRef, warning: list.join('\n') }));
}
