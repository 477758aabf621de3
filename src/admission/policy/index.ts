// The ValidatingAdmissionPolicy plugin: every binding whose policy matches a
// write runs the policy's CEL (match conditions, variables, validations,
// audit annotations) on the object, once per parameter object it refers to,
// and acts on failures as the binding says: Deny refuses the write, Warn adds
// a Warning header, Audit an audit annotation. Policies and bindings are read
// from the store at most once a second per isolate (kube's informers lag
// too), and at once after this isolate writes one.
import type { KObject, ResourceDefinition } from '../../resources/types';
import type { AdmissionRequest, RestContext } from '../../rest/context';
import { definitions, lookup } from '../../resources/registry';
import { listAll, readObject } from '../../rest/read';
import { forbidden, invalid, failure } from '../../status/status';
import { toCel } from '../../apiextensions/cel/types';
import { customDefinitions } from '../../apiextensions/registry';
import { compilePolicyExpression, evaluate, variableSchemas } from './cel';
import { matches, type MatchRequest } from './match';

const GROUP = 'admissionregistration.k8s.io';
const REFRESH_MS = 1000;
export const FAILURE_ANNOTATION = 'validation.policy.admission.k8s.io/validation_failure';

interface Loaded { at: number; policies: Map<string, KObject>; bindings: KObject[] }
let loaded: Loaded | undefined;

const policyDef = () => lookup(GROUP, 'v1', 'validatingadmissionpolicies')!;
const bindingDef = () => lookup(GROUP, 'v1', 'validatingadmissionpolicybindings')!;

async function load(ctx: RestContext): Promise<Loaded> {
  if (loaded && Date.now() - loaded.at < REFRESH_MS) return loaded;
  const [policies, bindings] = await Promise.all([listAll(ctx, policyDef()), listAll(ctx, bindingDef())]);
  loaded = { at: Date.now(), policies: new Map(policies.map((p) => [p.metadata.name, p])), bindings };
  return loaded;
}

interface Failure { policy: string; binding: string; message: string; reason: string; index: number; actions: string[] }

export async function admitPolicies(ctx: RestContext, req: AdmissionRequest): Promise<void> {
  // policies never judge policies: a bad one could not be taken back
  if (req.def.group === GROUP) { loaded = undefined; return; }
  const { policies, bindings } = await load(ctx);
  if (bindings.length === 0) return;
  const m: MatchRequest = {
    operation: req.operation, group: req.def.group, version: req.def.version, resource: req.def.resource, subresource: req.subresource ?? '',
    namespaced: req.def.namespaced, name: req.name, object: req.object, oldObject: req.oldObject,
  };
  let namespace: KObject | undefined;
  let namespaceRead = false;
  const namespaceObject = async () => {
    if (!namespaceRead && req.def.namespaced && req.namespace) namespace = (await readObject(ctx, { def: lookup('', 'v1', 'namespaces')! }, req.namespace))?.obj;
    namespaceRead = true;
    return namespace;
  };
  const failures: Failure[] = [];
  for (const binding of bindings) {
    const policy = policies.get(binding.spec?.policyName);
    if (!policy) continue;
    const needsNamespace = [policy.spec?.matchConstraints?.namespaceSelector, binding.spec?.matchResources?.namespaceSelector].some((s) => s && Object.keys(s).length);
    if (needsNamespace) m.namespaceLabels = (await namespaceObject())?.metadata?.labels ?? {};
    if (!matches(policy.spec.matchConstraints, m) || !matches(binding.spec.matchResources, m)) continue;
    const params = await paramsFor(ctx, policy, binding, req);
    if (params === 'deny') {
      failures.push({ policy: policy.metadata.name, binding: binding.metadata.name, message: 'no params found for policy binding with `Deny` parameterNotFoundAction', reason: 'Invalid', index: 0, actions: binding.spec.validationActions ?? [] });
      continue;
    }
    const nsObject = readsNamespace(policy) ? await namespaceObject() : undefined;
    for (const param of params) failures.push(...run(ctx, policy, binding, req, param, nsObject));
  }
  act(ctx, req, failures);
}

const namespaceReaders = new WeakMap<KObject, boolean>();

/** Whether a policy's expressions read namespaceObject (worked out once per policy object read). */
function readsNamespace(policy: KObject): boolean {
  let v = namespaceReaders.get(policy);
  if (v === undefined) namespaceReaders.set(policy, (v = JSON.stringify(policy.spec).includes('namespaceObject')));
  return v;
}

/** The parameter objects a binding names: one, several (a selector), or none at all (no paramKind). */
async function paramsFor(ctx: RestContext, policy: KObject, binding: KObject, req: AdmissionRequest): Promise<(KObject | undefined)[] | 'deny'> {
  const kind = policy.spec.paramKind;
  const ref = binding.spec.paramRef;
  if (!kind || !ref) return [undefined];
  const [group, version] = String(kind.apiVersion).includes('/') ? String(kind.apiVersion).split('/') : ['', String(kind.apiVersion)];
  const def = definitions().find((d) => d.group === group && d.version === version && d.kind === kind.kind)
    ?? (await customDefinitions(ctx)).map((v) => v.def).find((d) => d.group === group && d.version === version && d.kind === kind.kind);
  const notFound = () => (ref.parameterNotFoundAction === 'Allow' ? [] : 'deny' as const);
  if (!def) return notFound();
  const namespace = def.namespaced ? ref.namespace ?? req.namespace : undefined;
  let found: KObject[];
  if (ref.name) {
    const one = await readObject(ctx, { def, namespace }, ref.name);
    found = one ? [def.storage ? def.storage.fromStorage(one.obj) : one.obj] : [];
  } else {
    found = await listAll(ctx, def, { namespace, labelSelector: selectorString(ref.selector) });
  }
  return found.length ? found : notFound();
}

function selectorString(sel: KObject | undefined): string {
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const x of sel?.matchExpressions ?? []) {
    if (x.operator === 'In') parts.push(`${x.key} in (${(x.values ?? []).join(',')})`);
    else if (x.operator === 'NotIn') parts.push(`${x.key} notin (${(x.values ?? []).join(',')})`);
    else if (x.operator === 'Exists') parts.push(x.key);
    else if (x.operator === 'DoesNotExist') parts.push(`!${x.key}`);
  }
  return parts.join(',');
}

function requestVariable(ctx: RestContext, req: AdmissionRequest): KObject {
  const d = req.def;
  const u = ctx.user;
  return {
    kind: { group: d.group, version: d.version, kind: d.kind }, resource: { group: d.group, version: d.version, resource: d.resource },
    subResource: req.subresource ?? '', requestKind: { group: d.group, version: d.version, kind: d.kind },
    requestResource: { group: d.group, version: d.version, resource: d.resource }, requestSubResource: req.subresource ?? '',
    name: req.name, namespace: req.namespace ?? '', operation: req.operation,
    userInfo: { username: u?.username ?? '', uid: u?.uid ?? '', groups: u?.groups ?? [], extra: u?.extra ?? {} },
    dryRun: false,
  };
}

function run(ctx: RestContext, policy: KObject, binding: KObject, req: AdmissionRequest, param: KObject | undefined, namespaceObject: KObject | undefined): Failure[] {
  const spec = policy.spec;
  const ignore = spec.failurePolicy === 'Ignore';
  const vars: Record<string, unknown> = {
    object: toCel(undefined, req.object) ?? null, oldObject: toCel(undefined, req.oldObject) ?? null,
    request: toCel(undefined, requestVariable(ctx, req)), params: toCel(undefined, param) ?? null,
    namespaceObject: toCel(undefined, namespaceObject) ?? null,
  };
  const sizes = variableSchemas(vars);
  const base = { policy: policy.metadata.name, binding: binding.metadata.name, actions: binding.spec.validationActions ?? [] };
  const errorFailure = (index: number, expr: string, e: unknown): Failure[] =>
    ignore ? [] : [{ ...base, index, reason: 'Invalid', message: `expression '${expr}' resulted in error: ${(e as Error).message.split('\n')[0]}` }];
  const variables: Record<string, unknown> = {};
  vars.variables = variables;
  for (const v of spec.variables ?? []) {
    const p = compilePolicyExpression(v.expression, 'any');
    if (typeof p === 'string') continue;
    try { variables[v.name] = evaluate(p, vars, sizes); } catch { /* an expression that reads it fails instead */ }
  }
  for (const c of spec.matchConditions ?? []) {
    const p = compilePolicyExpression(c.expression, 'bool');
    if (typeof p === 'string') return errorFailure(0, c.expression, new Error(p));
    try {
      if (evaluate(p, vars, sizes) !== true) return [];
    } catch (e) {
      return errorFailure(0, c.expression, e);
    }
  }
  const out: Failure[] = [];
  (spec.validations ?? []).forEach((v: KObject, index: number) => {
    const p = compilePolicyExpression(v.expression, 'bool');
    if (typeof p === 'string') { out.push(...errorFailure(index, v.expression, new Error(p))); return; }
    let ok: unknown;
    try { ok = evaluate(p, vars, sizes); } catch (e) { out.push(...errorFailure(index, v.expression, e)); return; }
    if (ok === true) return;
    out.push({ ...base, index, reason: v.reason ?? 'Invalid', message: messageOf(v, vars, sizes) });
  });
  for (const a of spec.auditAnnotations ?? []) {
    const p = compilePolicyExpression(a.valueExpression, 'any');
    if (typeof p === 'string') continue;
    try {
      const value = evaluate(p, vars, sizes);
      if (typeof value === 'string' && value) ctx.annotate?.(`${policy.metadata.name}/${a.key}`, value);
    } catch { /* an annotation that cannot be made is left out */ }
  }
  return out;
}

function messageOf(v: KObject, vars: Record<string, unknown>, sizes: Record<string, unknown>): string {
  if (v.messageExpression) {
    const p = compilePolicyExpression(v.messageExpression, 'string');
    if (typeof p !== 'string') {
      try {
        const m = evaluate(p, vars, sizes as never);
        if (typeof m === 'string' && m.trim() && !/[\r\n]/.test(m)) return m;
      } catch { /* falls back to message */ }
    }
  }
  return v.message || `failed expression: ${v.expression}`;
}

function act(ctx: RestContext, req: AdmissionRequest, failures: Failure[]) {
  const audit: KObject[] = [];
  let deny: Failure | undefined;
  for (const f of failures) {
    if (f.actions.includes('Warn')) ctx.warn(`299 - ${JSON.stringify(`Validation failed for ValidatingAdmissionPolicy '${f.policy}' with binding '${f.binding}': ${f.message}`)}`);
    if (f.actions.includes('Audit')) audit.push({ message: f.message, policy: f.policy, binding: f.binding, expressionIndex: f.index, validationActions: f.actions });
    if (f.actions.includes('Deny')) deny ??= f;
  }
  if (audit.length) ctx.annotate?.(FAILURE_ANNOTATION, JSON.stringify(audit));
  if (!deny) return;
  const message = `ValidatingAdmissionPolicy '${deny.policy}' with binding '${deny.binding}' denied request: ${deny.message}`;
  const q = { group: req.def.group, resource: req.def.resource };
  switch (deny.reason) {
    case 'Forbidden': throw forbidden(q, req.name, message);
    case 'Unauthorized': throw failure(401, 'Unauthorized', message);
    case 'RequestEntityTooLarge': throw failure(413, 'RequestEntityTooLarge', message);
    default: throw invalid(req.def.resource, req.def.group, req.name, [{ reason: 'FieldValueInvalid', field: '', message }]);
  }
}

