// ValidateValidatingAdmissionPolicy and ...Binding (kube's
// pkg/apis/admissionregistration/validation), the essential part: what must
// be there, which values are allowed, and every CEL expression compiled, with
// the compile error where it is.
import type { FieldError, KObject } from '../../resources/types';
import { Errors, isCIdentifier, qualifiedName } from '../../resources/validation';
import { compilePolicyExpression } from './cel';

const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const REASONS = ['Forbidden', 'Invalid', 'RequestEntityTooLarge', 'Unauthorized'];
const ACTIONS = ['Audit', 'Deny', 'Warn'];

function expression(e: Errors, value: unknown, field: string, want: 'bool' | 'string' | 'any') {
  if (typeof value !== 'string' || value.trim() === '') { e.required(field); return; }
  const p = compilePolicyExpression(value, want);
  if (typeof p === 'string') e.invalid(field, value, p);
}

function validateRules(e: Errors, rules: unknown, field: string, required: boolean) {
  if (!Array.isArray(rules)) { if (required) e.required(field, 'resourceRules is required'); return; }
  if (required && rules.length === 0) e.required(field, 'resourceRules is required');
  rules.forEach((r: KObject, i) => {
    const at = `${field}[${i}]`;
    if (!r || typeof r !== 'object') { e.typeInvalid(at, r, 'must be an object'); return; }
    for (const k of ['apiGroups', 'apiVersions', 'resources', 'operations']) {
      if (!Array.isArray(r[k]) || r[k].length === 0) e.required(`${at}.${k}`);
    }
    (r.operations ?? []).forEach((o: string, j: number) => { if (!OPERATIONS.includes(o)) e.notSupported(`${at}.operations[${j}]`, o, OPERATIONS); });
    if (r.scope !== undefined && !['*', 'Cluster', 'Namespaced'].includes(r.scope)) e.notSupported(`${at}.scope`, r.scope, ['*', 'Cluster', 'Namespaced']);
  });
}

function validateMatch(e: Errors, m: KObject | undefined, field: string, required: boolean) {
  if (!m) { if (required) e.required(field); return; }
  validateRules(e, m.resourceRules, `${field}.resourceRules`, required);
  if (m.excludeResourceRules !== undefined) validateRules(e, m.excludeResourceRules, `${field}.excludeResourceRules`, false);
  if (m.matchPolicy !== undefined && !['Equivalent', 'Exact'].includes(m.matchPolicy)) e.notSupported(`${field}.matchPolicy`, m.matchPolicy, ['Equivalent', 'Exact']);
}

export function validatePolicy(obj: KObject): FieldError[] {
  const e = new Errors();
  const spec = obj.spec;
  if (!spec || typeof spec !== 'object') { e.required('spec'); return e.list; }
  const validations = e.array(spec, 'validations', 'spec.validations');
  const audits = e.array(spec, 'auditAnnotations', 'spec.auditAnnotations');
  if (validations.length === 0 && audits.length === 0) e.required('spec.validations', 'validations or auditAnnotations must contain at least one item');
  if (spec.failurePolicy !== undefined && !['Fail', 'Ignore'].includes(spec.failurePolicy)) e.notSupported('spec.failurePolicy', spec.failurePolicy, ['Fail', 'Ignore']);
  if (spec.paramKind) {
    if (!spec.paramKind.apiVersion) e.required('spec.paramKind.apiVersion');
    if (!spec.paramKind.kind) e.required('spec.paramKind.kind');
  }
  validateMatch(e, spec.matchConstraints, 'spec.matchConstraints', true);
  const names = new Set<string>();
  e.array(spec, 'matchConditions', 'spec.matchConditions').forEach((c, i) => {
    const at = `spec.matchConditions[${i}]`;
    if (!c?.name) e.required(`${at}.name`);
    else {
      for (const m of qualifiedName(c.name)) e.invalid(`${at}.name`, c.name, m);
      if (names.has(c.name)) e.duplicate(`${at}.name`, c.name);
      names.add(c.name);
    }
    expression(e, c?.expression, `${at}.expression`, 'bool');
  });
  e.array(spec, 'variables', 'spec.variables').forEach((v, i) => {
    const at = `spec.variables[${i}]`;
    if (!v?.name) e.required(`${at}.name`);
    else if (!isCIdentifier(v.name)) e.invalid(`${at}.name`, v.name, 'name is not a valid CEL identifier');
    expression(e, v?.expression, `${at}.expression`, 'any');
  });
  validations.forEach((v, i) => {
    const at = `spec.validations[${i}]`;
    expression(e, v?.expression, `${at}.expression`, 'bool');
    if (v?.messageExpression !== undefined) expression(e, v.messageExpression, `${at}.messageExpression`, 'string');
    if (typeof v?.message === 'string' && /[\r\n]/.test(v.message)) e.invalid(`${at}.message`, v.message, 'message must not contain line breaks');
    if (v?.reason !== undefined && !REASONS.includes(v.reason)) e.notSupported(`${at}.reason`, v.reason, REASONS);
  });
  audits.forEach((a, i) => {
    const at = `spec.auditAnnotations[${i}]`;
    if (!a?.key) e.required(`${at}.key`);
    else for (const m of qualifiedName(`${obj.metadata?.name ?? ''}/${a.key}`)) e.invalid(`${at}.key`, a.key, m);
    expression(e, a?.valueExpression, `${at}.valueExpression`, 'any');
  });
  return e.list;
}

export function validateBinding(obj: KObject): FieldError[] {
  const e = new Errors();
  const spec = obj.spec;
  if (!spec || typeof spec !== 'object') { e.required('spec'); return e.list; }
  if (!spec.policyName) e.required('spec.policyName');
  const actions = e.array(spec, 'validationActions', 'spec.validationActions') as unknown as string[];
  if (actions.length === 0) e.required('spec.validationActions', 'at least one validation action is required');
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (!ACTIONS.includes(a)) e.notSupported(`spec.validationActions[${i}]`, a, ACTIONS);
    if (seen.has(a)) e.duplicate(`spec.validationActions[${i}]`, a);
    seen.add(a);
  });
  if (seen.has('Deny') && seen.has('Warn')) e.invalid('spec.validationActions', actions, 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)');
  const ref = spec.paramRef;
  if (ref) {
    if (ref.name && ref.selector) e.forbidden('spec.paramRef.name', 'name and selector are mutually exclusive');
    if (!ref.name && !ref.selector) e.required('spec.paramRef', 'one of name or selector must be specified');
    if (ref.parameterNotFoundAction !== undefined && !['Allow', 'Deny'].includes(ref.parameterNotFoundAction)) e.notSupported('spec.paramRef.parameterNotFoundAction', ref.parameterNotFoundAction, ['Allow', 'Deny']);
  }
  validateMatch(e, spec.matchResources, 'spec.matchResources', false);
  return e.list;
}
