// The Node authorizer (kube's plugin/pkg/auth/authorizer/node): a kubelet's
// credential (user system:node:NAME in group system:nodes) gets the rules of
// kube's system:node role, and of the objects only some kubelets may read
// (secrets, configmaps, persistent volume claims and the volumes bound to
// them, service-account tokens) exactly those its own pods use. Which object it may write is
// NodeRestriction's part (admission/noderestriction.ts).
import type { KObject } from '../resources/types';
import type { UserInfo } from '../authn/user';
import type { RestContext } from '../rest/context';
import { lookup } from '../resources/registry';
import { listObjects, readObject } from '../rest/read';
import type { Attributes } from './attributes';
import { ruleAllows, type PolicyRule } from './rules';

export const NODES_GROUP = 'system:nodes';
const NODE_PREFIX = 'system:node:';

/** The node a credential belongs to, or undefined for any other user. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.username.startsWith(NODE_PREFIX)) return undefined;
  const name = user.username.slice(NODE_PREFIX.length);
  return name === '' ? undefined : name;
}

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ verbs, apiGroups, resources });
const READ = ['get', 'list', 'watch'];

/** kube's NodeRules(): what every kubelet may do, before the graph and NodeRestriction narrow it. */
export const NODE_RULES: PolicyRule[] = [
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
  rule(READ, [''], ['services']),
  rule(['create', 'delete', 'get', 'list', 'watch', 'patch', 'update'], [''], ['nodes']),
  rule(['patch', 'update'], [''], ['nodes/status']),
  rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  rule(READ, [''], ['pods']),
  rule(['create', 'delete'], [''], ['pods']),
  rule(['patch', 'update'], [''], ['pods/status']),
  rule(['create'], [''], ['pods/eviction']),
  rule(READ, [''], ['configmaps', 'secrets']),
  rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
  rule(['get'], [''], ['endpoints']),
  rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
  rule(['create', 'delete', 'get', 'patch', 'update'], ['coordination.k8s.io'], ['leases']),
  rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
  rule(READ, ['storage.k8s.io'], ['csidrivers', 'storageclasses']),
  rule(READ, ['node.k8s.io'], ['runtimeclasses']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(['get', 'create'], [''], ['nodes/tunnel', 'nodes/credential']),
];

/** Kinds a kubelet may read only when one of its pods uses the object. */
const GRAPH_KINDS = new Set(['secrets', 'configmaps', 'persistentvolumeclaims']);

/** The names of `resource` that a pod references. */
function references(pod: KObject, resource: string): Set<string> {
  const out = new Set<string>();
  const spec = pod.spec ?? {};
  const add = (n: unknown) => { if (typeof n === 'string' && n) out.add(n); };
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  for (const v of spec.volumes ?? []) {
    if (resource === 'secrets') { add(v.secret?.secretName); add(v.cephfs?.secretRef?.name); add(v.csi?.nodePublishSecretRef?.name); add(v.flexVolume?.secretRef?.name); }
    if (resource === 'configmaps') add(v.configMap?.name);
    if (resource === 'persistentvolumeclaims') add(v.persistentVolumeClaim?.claimName);
    for (const s of v.projected?.sources ?? []) {
      if (resource === 'secrets') add(s.secret?.name);
      if (resource === 'configmaps') add(s.configMap?.name);
    }
  }
  for (const c of containers) {
    for (const e of c.env ?? []) {
      if (resource === 'secrets') add(e.valueFrom?.secretKeyRef?.name);
      if (resource === 'configmaps') add(e.valueFrom?.configMapKeyRef?.name);
    }
    for (const f of c.envFrom ?? []) {
      if (resource === 'secrets') add(f.secretRef?.name);
      if (resource === 'configmaps') add(f.configMapRef?.name);
    }
  }
  if (resource === 'secrets') for (const s of spec.imagePullSecrets ?? []) add(s.name);
  return out;
}

/** The pods bound to `node` in a namespace (every namespace when undefined). */
async function podsOn(ctx: RestContext, node: string, namespace: string | undefined): Promise<KObject[]> {
  const def = lookup('', 'v1', 'pods')!;
  const page = await listObjects(ctx, { verb: 'list', def, namespace, legacyWatch: false }, {
    labelSelector: '', fieldSelector: `spec.nodeName=${node}`, resourceVersion: '', resourceVersionMatch: '', limit: 0, continue: '', allowWatchBookmarks: false,
  });
  return page.items.map((t) => JSON.parse(t));
}

const NO_RELATION = (node: string) => `no relationship found between node '${node}' and this object`;

/**
 * undefined: no opinion (not a node, or nothing of a kubelet's), and RBAC
 * decides; a refusal's reason is what the 403 says if RBAC does not allow it either.
 */
export async function authorizeNode(ctx: RestContext, attrs: Attributes): Promise<{ allowed: boolean; reason: string } | undefined> {
  const node = nodeNameOf(attrs.user);
  if (node === undefined) return undefined;
  if (!NODE_RULES.some((r) => ruleAllows(attrs, r))) return undefined;
  if (!attrs.resourceRequest) return { allowed: true, reason: '' };
  const { apiGroup, resource, subresource, name, namespace } = attrs;
  if (apiGroup === '' && resource === 'nodes' && (subresource === 'tunnel' || subresource === 'credential')) {
    return name === node ? { allowed: true, reason: '' } : { allowed: false, reason: NO_RELATION(node) };
  }
  if (apiGroup === '' && GRAPH_KINDS.has(resource) && subresource === '') {
    // Only single objects: a kubelet never lists every secret.
    if (!name || !namespace) return { allowed: false, reason: `can only read individual ${resource}` };
    const pods = await podsOn(ctx, node, namespace);
    return pods.some((p) => references(p, resource).has(name)) ? { allowed: true, reason: '' } : { allowed: false, reason: NO_RELATION(node) };
  }
  if (apiGroup === '' && resource === 'persistentvolumes') {
    // Only the volumes bound to claims its pods use: pod -> claim -> volume, as kube's graph links them.
    if (!name) return { allowed: false, reason: 'can only read individual persistentvolumes' };
    const claims = lookup('', 'v1', 'persistentvolumeclaims')!;
    for (const pod of await podsOn(ctx, node, undefined)) {
      for (const claim of references(pod, 'persistentvolumeclaims')) {
        const pvc = await readObject(ctx, { def: claims, namespace: pod.metadata.namespace }, claim);
        if (pvc?.obj.spec?.volumeName === name) return { allowed: true, reason: '' };
      }
    }
    return { allowed: false, reason: NO_RELATION(node) };
  }
  if (apiGroup === '' && resource === 'serviceaccounts' && subresource === 'token') {
    // Only the service accounts its pods run as; which pod the token is bound to is NodeRestriction's check.
    const pods = await podsOn(ctx, node, namespace);
    return pods.some((p) => (p.spec?.serviceAccountName || 'default') === name) ? { allowed: true, reason: '' } : { allowed: false, reason: NO_RELATION(node) };
  }
  // Deleting and evicting: only its own pods; its own Node and Lease (NodeRestriction sees no deletes).
  if (apiGroup === '' && resource === 'pods' && (attrs.verb === 'delete' || subresource === 'eviction')) {
    const pod = name && namespace ? await readObject(ctx, { def: lookup('', 'v1', 'pods')!, namespace }, name) : undefined;
    return pod && pod.obj.spec?.nodeName === node ? { allowed: true, reason: '' } : { allowed: false, reason: NO_RELATION(node) };
  }
  if (attrs.verb === 'delete' && ((apiGroup === '' && resource === 'nodes') || (apiGroup === 'coordination.k8s.io' && resource === 'leases'))) {
    const own = name === node && (resource === 'nodes' || namespace === 'kube-node-lease');
    return own ? { allowed: true, reason: '' } : { allowed: false, reason: NO_RELATION(node) };
  }
  return { allowed: true, reason: '' };
}
