// The endpoints and endpointslice controllers: for every Service with a
// selector, an Endpoints object of the same name and EndpointSlices labelled
// kubernetes.io/service-name, both computed from the pods the selector
// matches that have an IP. Ready pods are ready addresses; others are
// notReadyAddresses (Endpoints) or ready=false (slices, where terminating
// pods also appear). Services without a selector keep whatever Endpoints
// their users write; what a gone Service leaves behind is deleted.
import type { KObject } from '../resources/types';
import type { RestContext } from '../rest/context';
import { SERVER_WRITE } from '../request/options';
import { createObject, guaranteedUpdate } from '../rest/write';
import { deleteObject } from '../rest/delete';
import { deepEqual, isIP } from '../resources/validation';
import type { ControllerOptions } from './env';
import { bestEffort, defs, isPodReady, isTerminal } from './util';
import type { ObjectCache } from './client/informer';

const ENDPOINT_CONTROLLER = 'endpoint-controller';
const ENDPOINTSLICE_CONTROLLER = 'endpointslice-controller';
export const ENDPOINTS_MANAGED_BY_LABEL = 'endpoints.kubernetes.io/managed-by';
export const SLICE_MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const SLICE_MANAGED_BY = 'endpointslice-controller.k8s.io';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const HEADLESS_LABEL = 'service.kubernetes.io/headless';
const ZONE_LABEL = 'topology.kubernetes.io/zone';
const MAX_ENDPOINTS_PER_SLICE = 100;

export interface EndpointsPass { services: number; written: string[]; deleted: string[]; errors: string[] }

interface EndpointPort { name: string; port: number; protocol: string; appProtocol?: string }

/** One pod as an endpoint of one service. */
interface PodEndpoint {
  pod: KObject;
  ip: string;
  ports: EndpointPort[];
  /** Endpoints: in `addresses` (else notReadyAddresses). */
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

const hasSelector = (svc: KObject) => !!svc.spec?.selector && typeof svc.spec.selector === 'object' && Object.keys(svc.spec.selector).length > 0;
const isHeadless = (svc: KObject) => svc.spec?.clusterIP === 'None';
const selects = (selector: Record<string, string>, labels: Record<string, string> | undefined) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);
const podIP = (pod: KObject): string | undefined => pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || undefined;

/** A service port's targetPort on one pod: a number, or a named container port (FindPort); undefined when the pod has no such port. */
export function resolveTargetPort(svcPort: KObject, pod: KObject): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  const protocol = svcPort.protocol ?? 'TCP';
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const p of c?.ports ?? []) if (p?.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

function endpointPorts(svc: KObject, pod: KObject): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of Array.isArray(svc.spec?.ports) ? svc.spec.ports : []) {
    const port = resolveTargetPort(sp, pod);
    if (port === undefined) continue;
    out.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.port - b.port));
}

/** The pods a service fronts, as endpoints (terminating ones included; Endpoints leaves them out). */
export function podEndpoints(svc: KObject, pods: KObject[]): PodEndpoint[] {
  const selector = svc.spec.selector as Record<string, string>;
  const publish = svc.spec?.publishNotReadyAddresses === true;
  const wantsPorts = Array.isArray(svc.spec?.ports) && svc.spec.ports.length > 0;
  const out: PodEndpoint[] = [];
  for (const pod of pods) {
    if (pod.metadata?.namespace !== svc.metadata.namespace || !selects(selector, pod.metadata?.labels)) continue;
    const ip = podIP(pod);
    if (!ip || ip.includes(':') || !isIP(ip) || isTerminal(pod)) continue;
    const ports = endpointPorts(svc, pod);
    if (wantsPorts && ports.length === 0) continue;
    if (!wantsPorts && !isHeadless(svc)) continue;
    const terminating = !!pod.metadata.deletionTimestamp;
    const serving = publish || isPodReady(pod);
    out.push({ pod, ip, ports, serving, terminating, ready: serving && !terminating });
  }
  return out.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.pod.metadata.name < b.pod.metadata.name ? -1 : 1));
}

const targetRef = (pod: KObject) => ({ kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid });

function serviceLabels(svc: KObject): Record<string, string> {
  return { ...(svc.metadata.labels ?? {}), ...(isHeadless(svc) ? { [HEADLESS_LABEL]: '' } : {}) };
}

// ---- Endpoints -------------------------------------------------------------------

/** The Endpoints a service should have: subsets grouped by port set, ready and not-ready addresses. */
export function desiredEndpoints(svc: KObject, eps: PodEndpoint[]): KObject {
  const publish = svc.spec?.publishNotReadyAddresses === true;
  const groups = new Map<string, { ports: EndpointPort[]; addresses: KObject[]; notReadyAddresses: KObject[] }>();
  for (const ep of eps) {
    if (ep.terminating && !publish) continue;
    const key = JSON.stringify(ep.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: ep.ports, addresses: [], notReadyAddresses: [] }));
    const addr: KObject = { ip: ep.ip };
    if (ep.pod.spec?.hostname && ep.pod.spec?.subdomain === svc.metadata.name) addr.hostname = ep.pod.spec.hostname;
    if (ep.pod.spec?.nodeName) addr.nodeName = ep.pod.spec.nodeName;
    addr.targetRef = targetRef(ep.pod);
    (ep.serving || publish ? g.addresses : g.notReadyAddresses).push(addr);
  }
  const subsets = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => ({
    ...(g.addresses.length ? { addresses: g.addresses } : {}),
    ...(g.notReadyAddresses.length ? { notReadyAddresses: g.notReadyAddresses } : {}),
    ...(g.ports.length ? { ports: g.ports } : {}),
  }));
  return {
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace, labels: { ...serviceLabels(svc), [ENDPOINTS_MANAGED_BY_LABEL]: ENDPOINT_CONTROLLER } },
    ...(subsets.length ? { subsets } : {}),
  };
}

const endpointsDiffer = (cur: KObject, want: KObject) =>
  !deepEqual(cur.metadata?.labels ?? {}, want.metadata.labels) || !deepEqual(cur.subsets ?? [], want.subsets ?? []);

async function syncEndpoints(ctx: RestContext, want: KObject, cur: KObject | undefined): Promise<boolean> {
  const def = defs.endpoints();
  const { name, namespace } = want.metadata;
  if (!cur) {
    return (await bestEffort(createObject(ctx, { def, namespace }, structuredClone(want), { ...SERVER_WRITE, fieldManager: ENDPOINT_CONTROLLER }))) !== undefined;
  }
  if (!endpointsDiffer(cur, want)) return false;
  let changed = false;
  await bestEffort(guaranteedUpdate(ctx, { def, namespace }, name, { ...SERVER_WRITE, fieldManager: ENDPOINT_CONTROLLER }, (old) => {
    changed = endpointsDiffer(old, want);
    if (!changed) return old;
    const next = structuredClone(old);
    next.metadata.labels = want.metadata.labels;
    if (want.subsets) next.subsets = want.subsets;
    else delete next.subsets;
    return next;
  }));
  return changed;
}

// ---- EndpointSlices ----------------------------------------------------------------

/** The slices a service should have: one per port set, at most 100 endpoints each; a placeholder when there are none. */
export function desiredSlices(svc: KObject, eps: PodEndpoint[], zones: Map<string, string>): KObject[] {
  const groups = new Map<string, { ports: EndpointPort[]; endpoints: KObject[] }>();
  for (const ep of eps) {
    const key = JSON.stringify(ep.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: ep.ports, endpoints: [] }));
    const node = ep.pod.spec?.nodeName;
    g.endpoints.push({
      addresses: [ep.ip],
      conditions: { ready: ep.ready, serving: ep.serving, terminating: ep.terminating },
      ...(ep.pod.spec?.hostname && ep.pod.spec?.subdomain === svc.metadata.name ? { hostname: ep.pod.spec.hostname } : {}),
      targetRef: targetRef(ep.pod),
      ...(node ? { nodeName: node } : {}),
      ...(node && zones.get(node) ? { zone: zones.get(node) } : {}),
    });
  }
  const meta = {
    generateName: `${svc.metadata.name}-`,
    namespace: svc.metadata.namespace,
    labels: { ...serviceLabels(svc), [SERVICE_NAME_LABEL]: svc.metadata.name, [SLICE_MANAGED_BY_LABEL]: SLICE_MANAGED_BY },
    ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name, uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }],
  };
  const slice = (ports: EndpointPort[], endpoints: KObject[]): KObject => ({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: structuredClone(meta), addressType: 'IPv4', endpoints,
    ...(ports.length ? { ports } : {}),
  });
  const out: KObject[] = [];
  for (const [, g] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) out.push(slice(g.ports, g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE)));
  }
  if (out.length === 0) out.push(slice([], []));
  return out;
}

const portsKey = (s: KObject) => JSON.stringify((s.ports ?? []).map((p: KObject) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })));

const sliceDiffers = (cur: KObject, want: KObject) =>
  !deepEqual(cur.metadata?.labels ?? {}, want.metadata.labels)
  || !deepEqual(cur.metadata?.ownerReferences ?? [], want.metadata.ownerReferences)
  || portsKey(cur) !== portsKey(want)
  || !deepEqual(cur.endpoints ?? [], want.endpoints);

async function syncSlices(ctx: RestContext, svc: KObject, want: KObject[], existing: KObject[], pass: EndpointsPass) {
  const def = defs.endpointslices();
  const namespace = svc.metadata.namespace;
  const unused = existing.filter((s) => s.addressType === 'IPv4');
  const doomed = existing.filter((s) => s.addressType !== 'IPv4');
  const toCreate: KObject[] = [];
  for (const w of want) {
    // Reuse a slice with the same ports, one already equal first.
    const same = unused.filter((s) => portsKey(s) === portsKey(w));
    const cur = same.find((s) => !sliceDiffers(s, w)) ?? same[0];
    if (!cur) { toCreate.push(w); continue; }
    unused.splice(unused.indexOf(cur), 1);
    if (!sliceDiffers(cur, w)) continue;
    let changed = false;
    await bestEffort(guaranteedUpdate(ctx, { def, namespace }, cur.metadata.name, { ...SERVER_WRITE, fieldManager: ENDPOINTSLICE_CONTROLLER }, (old) => {
      changed = sliceDiffers(old, w);
      if (!changed) return old;
      const next = structuredClone(old);
      next.metadata.labels = w.metadata.labels;
      next.metadata.ownerReferences = w.metadata.ownerReferences;
      next.endpoints = w.endpoints;
      if (w.ports) next.ports = w.ports;
      else delete next.ports;
      next.metadata.generation = (old.metadata.generation ?? 1) + 1;
      return next;
    }));
    if (changed) pass.written.push(`endpointslices/${namespace}/${cur.metadata.name}`);
  }
  for (const w of toCreate) {
    const created = await bestEffort(createObject(ctx, { def, namespace }, structuredClone(w), { ...SERVER_WRITE, fieldManager: ENDPOINTSLICE_CONTROLLER }));
    if (created) pass.written.push(`endpointslices/${namespace}/${JSON.parse(created).metadata.name}`);
  }
  for (const s of [...unused, ...doomed]) {
    if (await bestEffort(deleteObject(ctx, def, namespace, s.metadata.name, { dryRun: false, preconditions: { uid: s.metadata.uid } }))) pass.deleted.push(`endpointslices/${namespace}/${s.metadata.name}`);
  }
}

// ---- the pass -----------------------------------------------------------------------

/** The kinds the endpoints controller reads from the informers' caches. */
export const ENDPOINTS_READS = () => [defs.services(), defs.pods(), defs.endpoints(), defs.endpointslices(), defs.nodes()];

export async function runEndpoints(ctx: RestContext, _opts: ControllerOptions, cache: ObjectCache): Promise<EndpointsPass> {
  const [services, pods, endpoints, allSlices, nodes] = ENDPOINTS_READS().map((d) => cache.list(d));
  const slices = allSlices.filter((s) => s.metadata.labels?.[SLICE_MANAGED_BY_LABEL] === SLICE_MANAGED_BY);
  const pass: EndpointsPass = { services: 0, written: [], deleted: [], errors: [] };
  const key = (o: KObject) => `${o.metadata.namespace}/${o.metadata.name}`;
  const serviceByKey = new Map(services.map((s) => [key(s), s]));
  const endpointsByKey = new Map(endpoints.map((e) => [key(e), e]));
  const slicesByService = new Map<string, KObject[]>();
  for (const s of slices) {
    const k = `${s.metadata.namespace}/${s.metadata.labels?.[SERVICE_NAME_LABEL] ?? ''}`;
    slicesByService.set(k, [...(slicesByService.get(k) ?? []), s]);
  }
  const zones = new Map<string, string>(nodes.filter((n) => n.metadata.labels?.[ZONE_LABEL]).map((n) => [n.metadata.name, n.metadata.labels[ZONE_LABEL]]));

  for (const svc of services) {
    if (!hasSelector(svc) || svc.spec?.type === 'ExternalName' || svc.metadata.deletionTimestamp) continue;
    pass.services++;
    try {
      const eps = podEndpoints(svc, pods);
      const want = desiredEndpoints(svc, eps);
      if (await syncEndpoints(ctx, want, endpointsByKey.get(key(svc)))) pass.written.push(`endpoints/${key(svc)}`);
      await syncSlices(ctx, svc, desiredSlices(svc, eps, zones), slicesByService.get(key(svc)) ?? [], pass);
    } catch (e) {
      // One service's trouble does not hold up the others; the next pass tries again.
      pass.errors.push(`service ${key(svc)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  // What a deleted Service leaves: its Endpoints (only the ones this controller made) and its slices.
  for (const e of endpoints) {
    if (serviceByKey.has(key(e)) || e.metadata.labels?.[ENDPOINTS_MANAGED_BY_LABEL] !== ENDPOINT_CONTROLLER) continue;
    if (await bestEffort(deleteObject(ctx, defs.endpoints(), e.metadata.namespace, e.metadata.name, { dryRun: false, preconditions: { uid: e.metadata.uid } }))) pass.deleted.push(`endpoints/${key(e)}`);
  }
  for (const [k, list] of slicesByService) {
    // A Service that exists keeps its slices (synced above when it has a selector).
    if (serviceByKey.has(k)) continue;
    for (const s of list) {
      if (await bestEffort(deleteObject(ctx, defs.endpointslices(), s.metadata.namespace, s.metadata.name, { dryRun: false, preconditions: { uid: s.metadata.uid } }))) pass.deleted.push(`endpointslices/${key(s)}`);
    }
  }
  return pass;
}
