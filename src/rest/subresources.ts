// Subresources with behaviour of their own: scale (autoscaling/v1 Scale over
// a workload's replicas), pods/binding, pods/eviction, namespaces/finalize and
// serviceaccounts/token. `status` is the generic update path with its own
// strategy (see write.ts); it needs nothing here.
import type { KObject, ResourceDefinition } from '../resources/types';
import type { Operation } from '../request/info';
import { lookup } from '../resources/registry';
import { formatLabelSelector } from '../resources/defs/shared';
import { ApiError, badRequest, conflict, forbidden, invalid } from '../status/status';
import type { RestContext } from './context';
import { getObject, listObjects } from './read';
import { guaranteedUpdate, type PatchType, applyPatch } from './write';
import { deleteObject } from './delete';
import { parseDeleteOptions, type WriteOptions } from '../request/options';
import { recordEvent } from './events';
import { rfc3339 } from './objects';
import { issueServiceAccountToken } from './tokens';
import { checkTypeAndScope } from './objects';
import { applyApproval } from '../resources/defs/certificates/certificatesigningrequests';
import { applyResize } from '../resources/defs/core/pods';
import { budgetSelects, setDisruptionAllowed } from '../resources/defs/policy/poddisruptionbudgets';

export interface SubresourceHandler {
  get?(ctx: RestContext, op: Operation): Promise<string>;
  update?(ctx: RestContext, op: Operation, body: KObject, opts: WriteOptions): Promise<string>;
  patch?(ctx: RestContext, op: Operation, type: PatchType, patch: unknown, opts: WriteOptions): Promise<string>;
  create?(ctx: RestContext, op: Operation, body: KObject, opts: WriteOptions): Promise<string>;
}

const qualified = (def: ResourceDefinition) => ({ group: def.group, resource: def.resource });

// ---- scale -----------------------------------------------------------------

/** A simple JSON path (".spec.replicas") as keys. */
const pathKeys = (path: string) => path.split('.').slice(1);

function readPath(obj: KObject, path: string): unknown {
  return pathKeys(path).reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as KObject)[k] : undefined), obj);
}

function writePath(obj: KObject, path: string, value: unknown) {
  const keys = pathKeys(path);
  let cur = obj;
  for (const k of keys.slice(0, -1)) cur = (cur[k] !== null && typeof cur[k] === 'object' ? cur[k] : (cur[k] = {}));
  cur[keys[keys.length - 1]] = value;
}

/** Where a kind keeps its replicas: the workloads' spec.replicas, or a CRD's scale paths. */
const replicasPaths = (def: ResourceDefinition) => def.scale ?? { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' };

function toScale(def: ResourceDefinition, obj: KObject): KObject {
  const m = obj.metadata;
  const paths = replicasPaths(def);
  // ReplicationControllers select with a plain map; a CRD names a string field; the rest use a LabelSelector.
  let sel: unknown;
  if (def.scale) sel = def.scale.labelSelectorPath ? readPath(obj, def.scale.labelSelectorPath) : undefined;
  else if (def.kind === 'ReplicationController') sel = Object.entries(obj.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  else sel = formatLabelSelector(obj.spec?.selector);
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: readPath(obj, paths.specReplicasPath) ?? 0 },
    status: { replicas: readPath(obj, paths.statusReplicasPath) ?? 0, ...(typeof sel === 'string' && sel && sel !== '<none>' ? { selector: sel } : {}) },
  };
}

function checkScale(name: string, scale: KObject) {
  if (scale?.kind !== undefined && scale.kind !== 'Scale') throw badRequest(`${scale.kind} in version "v1" cannot be handled as a Scale: expected kind Scale`);
  const r = scale?.spec?.replicas;
  if (r !== undefined && (!Number.isInteger(r) || r < 0)) {
    throw invalid('Scale', 'autoscaling', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(r)}: must be greater than or equal to 0` }]);
  }
}

async function scaleTo(ctx: RestContext, op: Operation, opts: WriteOptions, resourceVersion: string | undefined, next: (current: KObject) => KObject): Promise<string> {
  const text = await guaranteedUpdate(ctx, op, op.name!, { ...opts, resourceVersion, subresource: 'scale' }, (old) => {
    const scale = next(toScale(op.def, old));
    checkScale(op.name!, scale);
    const updated = structuredClone(old);
    const path = replicasPaths(op.def).specReplicasPath;
    writePath(updated, path, scale.spec?.replicas ?? 0);
    updated.metadata.generation = (old.metadata.generation ?? 0) + (readPath(updated, path) === readPath(old, path) ? 0 : 1);
    return updated;
  });
  return JSON.stringify(toScale(op.def, JSON.parse(text)));
}

const scale: SubresourceHandler = {
  async get(ctx, op) {
    return JSON.stringify(toScale(op.def, JSON.parse((await getObject(ctx, op)).object)));
  },
  async update(ctx, op, body, opts) {
    checkScale(op.name!, body);
    return scaleTo(ctx, op, opts, body.metadata?.resourceVersion || undefined, () => body);
  },
  async patch(ctx, op, type, patch, opts) {
    return scaleTo(ctx, op, opts, undefined, (current) => applyPatch(op.def, op.name!, type, current, patch));
  },
};

/** What BindingREST and EvictionREST answer: a bare success, coded 201 by the create handler. */
const CREATED_STATUS = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });

// ---- pods/binding ------------------------------------------------------------

const binding: SubresourceHandler = {
  async create(ctx, op, body, opts) {
    const { dryRun } = opts;
    const name = op.name!;
    if (body.kind !== undefined && body.kind !== 'Binding') throw badRequest(`${body.kind} in version "v1" cannot be handled as a Binding`);
    if (body.metadata?.name && body.metadata.name !== name) throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
    const node = body.target?.name;
    if (!node) throw invalid('Binding', '', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
    await guaranteedUpdate(ctx, op, name, { ...opts, subresource: 'binding', kindRules: false }, (pod) => {
      if (pod.metadata.deletionTimestamp) throw conflict(qualified(op.def), name, `pod ${name} is being deleted, cannot be assigned to a host`);
      if (pod.spec?.nodeName) throw conflict(qualified(op.def), name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
      const next = structuredClone(pod);
      next.spec.nodeName = node;
      const conditions = (next.status?.conditions ?? []).filter((c: KObject) => c.type !== 'PodScheduled');
      next.status = { ...(next.status ?? {}), conditions: [...conditions, { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(Date.now()) }] };
      return next;
    });
    if (!dryRun) await recordEvent(ctx, JSON.parse((await getObject(ctx, op)).object), 'Normal', 'Scheduled', `Successfully assigned ${op.namespace}/${name} to ${node}`, 'default-scheduler');
    return CREATED_STATUS;
  },
};

// ---- pods/eviction -------------------------------------------------------------
// kube's EvictionREST: the budget's status, kept by the disruption
// controller, decides; an allowed eviction takes one disruption off the
// budget and names the pod in status.disruptedPods before the pod is deleted,
// so concurrent evictions cannot both spend the last one.

const isReady = (pod: KObject) => (pod.status?.conditions ?? []).some((c: KObject) => c?.type === 'Ready' && c.status === 'True');

/** A pod that is not running anything a budget protects, or is already going. */
const canIgnoreBudget = (pod: KObject) => ['Succeeded', 'Failed', 'Pending'].includes(pod.status?.phase) || !!pod.metadata.deletionTimestamp;

/** checkAndDecrement, on the budget as last stored. */
function spendDisruption(pdb: KObject, pod: string, dryRun: boolean): KObject {
  const status = pdb.status ?? {};
  if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) {
    throw tooMany(`The disruption budget ${pdb.metadata.name} is still being processed by the server.`, 10);
  }
  const allowed = status.disruptionsAllowed ?? 0;
  if (allowed < 0) throw forbidden(PDBS, pdb.metadata.name, 'pdb disruptions allowed is negative');
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
    throw forbidden(PDBS, pdb.metadata.name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (allowed === 0) {
    throw tooMany(`The disruption budget ${pdb.metadata.name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`);
  }
  const next = structuredClone(pdb);
  next.status.disruptionsAllowed = allowed - 1;
  if (next.status.disruptionsAllowed === 0) setDisruptionAllowed(next, Date.now());
  if (!dryRun) next.status.disruptedPods = { ...(status.disruptedPods ?? {}), [pod]: rfc3339(Date.now()) };
  return next;
}

const PDBS = { group: 'policy', resource: 'poddisruptionbudgets' };
/** kube's MaxDisruptedPodSize. */
const MAX_DISRUPTED_PODS = 2000;

const eviction: SubresourceHandler = {
  async create(ctx, op, body, opts) {
    const { dryRun } = opts;
    const name = op.name!;
    if (body.kind !== undefined && body.kind !== 'Eviction') throw badRequest(`${body.kind} cannot be handled as an Eviction`);
    if (body.metadata?.name && body.metadata.name !== name) throw badRequest('name in URL does not match name in Eviction object');
    const pod = JSON.parse((await getObject(ctx, op)).object);
    const deleteOptions: KObject = { ...(body.deleteOptions ?? {}), ...(dryRun ? { dryRun: ['All'] } : {}) };
    if (!canIgnoreBudget(pod)) {
      const pdbDef = lookup('policy', 'v1', 'poddisruptionbudgets')!;
      const pdbs = (await listObjects(ctx, { ...op, def: pdbDef, name: undefined }, { labelSelector: '', fieldSelector: '', resourceVersion: '', resourceVersionMatch: '', limit: 0, continue: '', allowWatchBookmarks: false }))
        .items.map((t) => JSON.parse(t)).filter((p) => budgetSelects(p, pod.metadata.labels));
      if (pdbs.length > 1) throw tooMany('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', 0, false);
      const pdb = pdbs[0];
      // An unready pod protects nothing the budget counts: with AlwaysAllow, or
      // while the budget is met, it goes without spending a disruption, but only
      // as long as it is still the pod that was read.
      const unready = pdb && !isReady(pod) && (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow'
        || ((pdb.status?.currentHealthy ?? 0) >= (pdb.status?.desiredHealthy ?? 0) && (pdb.status?.desiredHealthy ?? 0) > 0));
      if (unready) deleteOptions.preconditions = { ...(deleteOptions.preconditions ?? {}), resourceVersion: pod.metadata.resourceVersion };
      else if (pdb) {
        await guaranteedUpdate(ctx, { def: pdbDef, namespace: op.namespace }, pdb.metadata.name, { ...opts, subresource: 'status', kindRules: false },
          (cur) => spendDisruption(cur, name, !!dryRun));
      }
    }
    await deleteObject(ctx, op.def, op.namespace, name, parseDeleteOptions(new URLSearchParams(), deleteOptions));
    return CREATED_STATUS;
  },
};

/** errors.NewTooManyRequests with a DisruptionBudget cause; the message of every budget refusal is the same. */
function tooMany(cause: string, retryAfterSeconds = 0, budget = true): ApiError {
  const message = budget ? `Cannot evict pod as it would violate the pod's disruption budget.` : cause;
  return new ApiError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'TooManyRequests', code: 429,
    details: { ...(budget ? { causes: [{ reason: 'DisruptionBudget', message: cause }] } : {}), ...(retryAfterSeconds ? { retryAfterSeconds } : {}) },
  }, retryAfterSeconds ? { 'Retry-After': String(retryAfterSeconds) } : {});
}

// ---- namespaces/finalize -------------------------------------------------------

const finalize: SubresourceHandler = {
  async update(ctx, op, body, opts) {
    const finalizers = body.spec?.finalizers ?? [];
    if (!Array.isArray(finalizers)) throw badRequest('spec.finalizers must be a list');
    return guaranteedUpdate(ctx, op, op.name!, { ...opts, resourceVersion: body.metadata?.resourceVersion || undefined, subresource: 'finalize' }, (old) => {
      const next = structuredClone(old);
      next.spec = { ...(next.spec ?? {}), finalizers };
      return next;
    });
  },
};

// ---- serviceaccounts/token ----------------------------------------------------

const token: SubresourceHandler = {
  async create(ctx, op, body) {
    if (body.kind !== undefined && body.kind !== 'TokenRequest') throw badRequest(`${body.kind} cannot be handled as a TokenRequest`);
    const sa = JSON.parse((await getObject(ctx, op)).object);
    const expirationSeconds = body.spec?.expirationSeconds ?? 3600;
    if (!Number.isInteger(expirationSeconds) || expirationSeconds < 600) {
      throw invalid('TokenRequest', 'authentication.k8s.io', op.name!, [{ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes` }]);
    }
    const issued = await issueServiceAccountToken(ctx, sa, body.spec?.audiences ?? [], expirationSeconds, body.spec?.boundObjectRef);
    return JSON.stringify({
      kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: sa.metadata.name, namespace: sa.metadata.namespace, creationTimestamp: null },
      spec: { audiences: issued.audiences, expirationSeconds, boundObjectRef: body.spec?.boundObjectRef ?? null },
      status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp },
    });
  },
};

// ---- certificatesigningrequests/approval ---------------------------------------

/** Approval changes only the Approved and Denied conditions (the approval strategy). */
const approval: SubresourceHandler = {
  async get(ctx, op) {
    return (await getObject(ctx, op)).object;
  },
  async update(ctx, op, body, opts) {
    checkTypeAndScope(op.def, body, op.namespace);
    if (body.metadata?.name && body.metadata.name !== op.name) throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${op.name})`);
    return guaranteedUpdate(ctx, op, op.name!, { ...opts, resourceVersion: body.metadata?.resourceVersion || undefined, subresource: 'approval' }, (old) => applyApproval(body, old));
  },
  async patch(ctx, op, type, patch, opts) {
    return guaranteedUpdate(ctx, op, op.name!, { ...opts, subresource: 'approval' }, (old) => applyApproval(applyPatch(op.def, op.name!, type, old, patch), old));
  },
};

// ---- pods/resize ------------------------------------------------------------------

function resizeTo(ctx: RestContext, op: Operation, opts: WriteOptions, resourceVersion: string | undefined, next: (current: KObject) => KObject): Promise<string> {
  return guaranteedUpdate(ctx, op, op.name!, { ...opts, resourceVersion, subresource: 'resize', kindRules: false }, (old) => {
    const { pod, errors } = applyResize(next(old), old);
    if (errors.length) throw invalid('Pod', '', op.name!, errors);
    return pod;
  });
}

const resize: SubresourceHandler = {
  async get(ctx, op) {
    return (await getObject(ctx, op)).object;
  },
  async update(ctx, op, body, opts) {
    checkTypeAndScope(op.def, body, op.namespace);
    if (body.metadata?.name && body.metadata.name !== op.name) throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${op.name})`);
    return resizeTo(ctx, op, opts, body.metadata?.resourceVersion || undefined, () => body);
  },
  async patch(ctx, op, type, patch, opts) {
    return resizeTo(ctx, op, opts, undefined, (current) => applyPatch(op.def, op.name!, type, current, patch));
  },
};

/** Keyed by "<group>/<resource>/<subresource>". */
const HANDLERS: Record<string, SubresourceHandler> = {
  'apps/deployments/scale': scale, 'apps/replicasets/scale': scale, 'apps/statefulsets/scale': scale, '/replicationcontrollers/scale': scale,
  '/pods/binding': binding, '/pods/resize': resize, '/pods/eviction': eviction, '/namespaces/finalize': finalize, '/serviceaccounts/token': token,
  'certificates.k8s.io/certificatesigningrequests/approval': approval,
};

export function subresourceHandler(def: ResourceDefinition, subresource: string): SubresourceHandler | undefined {
  if (def.scale && subresource === 'scale') return scale;
  return HANDLERS[`${def.group}/${def.resource}/${subresource}`];
}

