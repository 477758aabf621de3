// core/v1: k8s.io/kubernetes pkg/apis/core/v1/defaults.go (v1.35), one entry
// per SetDefaults_<Type>. Where an entry fills a field kube has no default for,
// it is the field's Go zero value that kube always serializes (no omitempty),
// and the comment says so.

import { api, isObject, type TypeDefaults } from './types';
import type { KObject } from '../types';

const core = (t: string) => api('core.v1', t);

const DEFAULT_MODE = 0o644; // 420: SecretVolumeSourceDefaultMode and its siblings

function container(c: KObject) {
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') {
    // no tag, or :latest, pulls always; a digest or another tag only when missing
    const tag = c.image.includes('@') ? 'digest' : (c.image.split('/').pop() ?? '').split(':')[1];
    c.imagePullPolicy = tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
  }
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {}; // a struct: always serialized
}

const SERVICE_TYPES_WITH_NODE_PORTS = ['NodePort', 'LoadBalancer'];

export const CORE_DEFAULTS: Record<string, TypeDefaults> = {
  [core('Pod')]: (pod) => {
    const spec = pod.spec;
    if (!isObject(spec)) return;
    // limits without requests: the requests are the limits
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      const lim = c?.resources?.limits;
      if (!isObject(lim)) continue;
      c.resources.requests ??= {};
      for (const [k, v] of Object.entries(lim)) c.resources.requests[k] ??= v;
    }
    spec.enableServiceLinks ??= true;
  },
  [core('PodSpec')]: (spec) => {
    spec.dnsPolicy ??= 'ClusterFirst';
    spec.restartPolicy ??= 'Always';
    spec.securityContext ??= {};
    spec.terminationGracePeriodSeconds ??= 30;
    spec.schedulerName ??= 'default-scheduler';
    if (spec.serviceAccountName && spec.serviceAccount === undefined) spec.serviceAccount = spec.serviceAccountName;
  },
  [core('Container')]: container,
  [core('EphemeralContainerCommon')]: container,
  [core('ContainerPort')]: (p) => { p.protocol ??= 'TCP'; },
  [core('Probe')]: (p) => {
    p.timeoutSeconds ??= 1;
    p.periodSeconds ??= 10;
    p.successThreshold ??= 1;
    p.failureThreshold ??= 3;
  },
  [core('HTTPGetAction')]: (a) => {
    a.path ??= '/';
    a.scheme ??= 'HTTP';
  },
  [core('Volume')]: (v) => {
    // a volume that names no source is an emptyDir
    if (Object.keys(v).every((k) => k === 'name')) v.emptyDir = {};
  },
  [core('SecretVolumeSource')]: (s) => { s.defaultMode ??= DEFAULT_MODE; },
  [core('ConfigMapVolumeSource')]: (s) => { s.defaultMode ??= DEFAULT_MODE; },
  [core('DownwardAPIVolumeSource')]: (s) => { s.defaultMode ??= DEFAULT_MODE; },
  [core('ProjectedVolumeSource')]: (s) => { s.defaultMode ??= DEFAULT_MODE; },
  [core('ServiceAccountTokenProjection')]: (s) => { s.expirationSeconds ??= 3600; },
  [core('HostPathVolumeSource')]: (s) => { s.type ??= ''; },
  [core('ObjectFieldSelector')]: (s) => { s.apiVersion ??= 'v1'; },
  [core('PersistentVolumeClaimSpec')]: (s) => { s.volumeMode ??= 'Filesystem'; },
  // a status is a struct, never nil in Go: its phase is defaulted even where no status was sent
  // (a StatefulSet's claim templates read back with status.phase Pending, as on kube)
  [core('PersistentVolumeClaim')]: (pvc) => { pvc.status ??= {}; if (isObject(pvc.status)) pvc.status.phase ||= 'Pending'; },
  [core('PersistentVolume')]: (pv) => {
    if (isObject(pv.spec)) {
      pv.spec.persistentVolumeReclaimPolicy ||= 'Retain';
      pv.spec.volumeMode ??= 'Filesystem';
    }
    pv.status ??= {};
    if (isObject(pv.status)) pv.status.phase ||= 'Pending';
  },
  [core('Namespace')]: (ns) => {
    // the immutable name label (NamespaceDefaultLabelName)
    const name = ns.metadata?.name;
    if (typeof name === 'string' && name !== '') ns.metadata.labels = { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
    ns.status ??= {};
    if (isObject(ns.status)) ns.status.phase ||= 'Active';
  },
  [core('NodeStatus')]: (st) => {
    if (st.allocatable === undefined && isObject(st.capacity)) st.allocatable = { ...st.capacity };
  },
  [core('Secret')]: (s) => { s.type ||= 'Opaque'; },
  [core('EndpointPort')]: (p) => { p.protocol ||= 'TCP'; },
  [core('Event')]: (ev) => {
    // structs and times without omitempty: always serialized
    ev.involvedObject ??= {};
    ev.source ??= {};
    ev.firstTimestamp ??= null;
    ev.lastTimestamp ??= null;
    ev.eventTime ??= null;
    ev.reportingComponent ??= '';
    ev.reportingInstance ??= '';
  },
  [core('LimitRangeItem')]: (item) => {
    // containers: the default limit from max, the default request from the default limit, then from min
    if (item.type !== 'Container') return;
    const limit: KObject = { ...(item.default ?? {}) };
    const request: KObject = { ...(item.defaultRequest ?? {}) };
    for (const [k, v] of Object.entries(item.max ?? {})) limit[k] ??= v;
    for (const [k, v] of Object.entries(limit)) request[k] ??= v;
    for (const [k, v] of Object.entries(item.min ?? {})) request[k] ??= v;
    if (Object.keys(limit).length) item.default = limit;
    if (Object.keys(request).length) item.defaultRequest = request;
  },
  [core('ReplicationController')]: (rc) => {
    const spec = rc.spec;
    if (!isObject(spec)) return;
    // the selector and the labels default to the template's labels
    const labels = spec.template?.metadata?.labels;
    if (isObject(labels)) {
      if (!isObject(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
      if (!isObject(rc.metadata?.labels) || Object.keys(rc.metadata.labels).length === 0) rc.metadata.labels = { ...labels };
    }
    spec.replicas ??= 1;
  },
  [core('Service')]: (svc) => {
    const spec = svc.spec;
    if (!isObject(spec)) return;
    spec.sessionAffinity ||= 'None';
    if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
    if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
    }
    spec.type ||= 'ClusterIP';
    for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
      if (!isObject(p)) continue;
      p.protocol ||= 'TCP';
      if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
    }
    // ExternallyAccessible: node ports, or external IPs on a ClusterIP service
    const external = SERVICE_TYPES_WITH_NODE_PORTS.includes(spec.type) || (spec.type === 'ClusterIP' && (spec.externalIPs ?? []).length > 0);
    if (external) spec.externalTrafficPolicy ||= 'Cluster';
    if (spec.type !== 'ExternalName') spec.internalTrafficPolicy ??= 'Cluster';
    if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  },
};
