import type { FieldError, KObject, ResourceDefinition } from '../../types';
import { Errors, deepEqual } from '../../validation';
import { AGE_COLUMN, validatePodSpec } from '../shared';
import { humanDuration } from '../../../table/age';

// pkg/registry/core/pod/strategy.go and pkg/printers/internalversion (printPod).

/** printPod's STATUS column: the phase, refined by container states and deletion. */
function podStatus(pod: KObject): string {
  const phase: string = pod.status?.phase ?? '';
  let reason: string = pod.status?.reason || phase || 'Unknown';
  if ((pod.status?.conditions ?? []).some((c: KObject) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';
  const init = pod.status?.initContainerStatuses ?? [];
  let initializing = false;
  for (let i = 0; i < init.length; i++) {
    const st = init[i].state ?? {};
    if (st.terminated?.exitCode === 0) continue;
    if (st.terminated) reason = st.terminated.reason ? `Init:${st.terminated.reason}` : st.terminated.signal ? `Init:Signal:${st.terminated.signal}` : `Init:ExitCode:${st.terminated.exitCode}`;
    else if (st.waiting?.reason && st.waiting.reason !== 'PodInitializing') reason = `Init:${st.waiting.reason}`;
    else reason = `Init:${i}/${(pod.spec?.initContainers ?? []).length}`;
    initializing = true;
    break;
  }
  if (!initializing) {
    let hasRunning = false;
    for (const cs of [...(pod.status?.containerStatuses ?? [])].reverse()) {
      const st = cs.state ?? {};
      if (st.waiting?.reason) reason = st.waiting.reason;
      else if (st.terminated?.reason) reason = st.terminated.reason;
      else if (st.terminated) reason = st.terminated.signal ? `Signal:${st.terminated.signal}` : `ExitCode:${st.terminated.exitCode}`;
      else if (st.running && cs.ready) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = (pod.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True');
      reason = ready ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata?.deletionTimestamp && pod.status?.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  return reason;
}

function restarts(pod: KObject, now: number): string {
  let count = 0;
  let last = 0;
  for (const cs of pod.status?.containerStatuses ?? []) {
    count += cs.restartCount ?? 0;
    const t = Date.parse(cs.lastState?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(t) && t > last) last = t;
  }
  return last > 0 && count > 0 ? `${count} (${humanDuration(now - last)} ago)` : String(count);
}

function readinessGates(pod: KObject): string {
  const gates: KObject[] = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const conds: KObject[] = pod.status?.conditions ?? [];
  const ok = gates.filter((g) => conds.some((c) => c.type === g.conditionType && c.status === 'True')).length;
  return `${ok}/${gates.length}`;
}

export const pods: ResourceDefinition = {
  group: '', version: 'v1', kind: 'Pod', resource: 'pods', singular: 'pod',
  namespaced: true, shortNames: ['po'], categories: ['all'], hasGeneration: true, statusSubresource: true, returnDeletedObject: true,
  subresources: [
    { name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    { name: 'binding', kind: 'Binding', verbs: ['create'] },
    { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
    { name: 'log', kind: 'Pod', verbs: ['get'] },
    { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    { name: 'proxy', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
    { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    { name: 'resize', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
  ],
  selectableFields: {
    'spec.nodeName': (o) => o.spec?.nodeName ?? '',
    'spec.restartPolicy': (o) => o.spec?.restartPolicy ?? '',
    'spec.schedulerName': (o) => o.spec?.schedulerName ?? '',
    'spec.serviceAccountName': (o) => o.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': (o) => String(o.spec?.hostNetwork ?? false),
    'status.phase': (o) => o.status?.phase ?? '',
    'status.podIP': (o) => o.status?.podIP ?? '',
    'status.podIPs': (o) => (o.status?.podIPs ?? []).map((p: KObject) => p.ip).join(','),
    'status.nominatedNodeName': (o) => o.status?.nominatedNodeName ?? '',
  },
  fieldAliases: { 'spec.host': 'spec.nodeName' },
  prepareForCreate(obj) {
    // A new pod always starts Pending with QoS computed; clients cannot set status on create.
    obj.status = { phase: 'Pending', qosClass: qosClass(obj.spec) };
  },
  validate(obj) {
    const e = new Errors();
    validatePodSpec(e, obj.spec, 'spec');
    return e.list;
  },
  validateUpdate(n, o) {
    // ValidatePodUpdate: only images, activeDeadlineSeconds, tolerations (additions) and
    // terminationGracePeriodSeconds may change.
    const e = new Errors();
    const strip = (spec: KObject | undefined) => {
      const s = structuredClone(spec ?? {});
      for (const c of [...(s.containers ?? []), ...(s.initContainers ?? [])]) delete c.image;
      delete s.activeDeadlineSeconds; delete s.tolerations; delete s.terminationGracePeriodSeconds;
      return s;
    };
    if (!deepEqual(strip(n.spec), strip(o.spec))) {
      e.forbidden('spec', 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)');
    }
    return e.list;
  },
  gracePeriodSeconds(obj) {
    // An unscheduled or finished pod has no kubelet to wait for: it goes at once.
    if (!obj.spec?.nodeName) return 0;
    if (obj.status?.phase === 'Succeeded' || obj.status?.phase === 'Failed') return 0;
    return obj.spec?.terminationGracePeriodSeconds ?? 30;
  },
  columns: [
    { name: 'Ready', type: 'string', description: 'The aggregate readiness state of this pod for accepting traffic.', cell: (o) => `${(o.status?.containerStatuses ?? []).filter((c: KObject) => c.ready).length}/${(o.spec?.containers ?? []).length}` },
    { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.', cell: podStatus },
    { name: 'Restarts', type: 'string', description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.', cell: restarts },
    AGE_COLUMN,
    { name: 'IP', type: 'string', priority: 1, description: 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', cell: (o) => o.status?.podIP || '<none>' },
    { name: 'Node', type: 'string', priority: 1, description: 'NodeName is a request to schedule this pod onto a specific node.', cell: (o) => o.spec?.nodeName || '<none>' },
    { name: 'Nominated Node', type: 'string', priority: 1, description: 'nominatedNodeName is set only when this pod preempts other pods on the node.', cell: (o) => o.status?.nominatedNodeName || '<none>' },
    { name: 'Readiness Gates', type: 'string', priority: 1, description: 'If specified, all readiness gates will be evaluated for pod readiness.', cell: readinessGates },
  ],
};

/** GetPodQOS: Guaranteed when every container has equal cpu+memory requests and limits, BestEffort when none set any. */
function qosClass(spec: KObject | undefined): string {
  const cs: KObject[] = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = cs.length > 0;
  for (const c of cs) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) if (lim[r] === undefined || (req[r] !== undefined && req[r] !== lim[r])) guaranteed = false;
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * The resize subresource's strategy (podResizeStrategy, 1.35): of the pod a client sends, only
 * its containers' resources and resizePolicy count (and a sidecar's, an init container that
 * restarts Always); everything else stays as stored. What may not change is an error:
 * resources other than cpu and memory, and the pod's QoS class.
 */
export function applyResize(body: KObject, old: KObject): { pod: KObject; errors: FieldError[] } {
  const pod = structuredClone(old);
  const e = new Errors();
  const take = (field: 'containers' | 'initContainers') => {
    const sent: KObject[] = Array.isArray(body.spec?.[field]) ? body.spec[field] : [];
    (pod.spec?.[field] ?? []).forEach((c: KObject, i: number) => {
      if (field === 'initContainers' && c.restartPolicy !== 'Always') return;
      const mine = sent.find((x) => x?.name === c.name);
      if (!mine) return;
      for (const k of ['resources', 'resizePolicy'] as const) {
        if (mine[k] === undefined) delete c[k]; else c[k] = structuredClone(mine[k]);
      }
      for (const part of ['requests', 'limits'] as const) {
        const before = old.spec[field][i].resources?.[part] ?? {};
        const after = c.resources?.[part] ?? {};
        for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
          if (name !== 'cpu' && name !== 'memory' && before[name] !== after[name]) {
            e.forbidden(`spec.${field}[${i}].resources.${part}`, 'only cpu and memory resources are mutable');
            break;
          }
        }
      }
    });
  };
  take('containers');
  take('initContainers');
  validatePodSpec(e, pod.spec, 'spec');
  if (qosClass(pod.spec) !== (old.status?.qosClass ?? qosClass(old.spec))) e.forbidden('spec', 'Pod QOS Class may not change as a result of resizing');
  if (!deepEqual(pod.spec, old.spec)) pod.metadata.generation = (old.metadata.generation ?? 0) + 1;
  return { pod, errors: e.list };
}
