// The other groups' SetDefaults_<Type> (k8s.io/kubernetes pkg/apis/<group>/<version>/defaults.go,
// v1.35), one entry per type. As in core.ts, a Go zero value kube always
// serializes is marked as such.

import { api, isObject, type TypeDefaults } from './types';
import type { KObject } from '../types';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** GenerateHPAScaleUpRules / GenerateHPAScaleDownRules: fill what a given behavior leaves out. */
function scalingRules(rules: KObject | undefined, window: number, policies: KObject[]): KObject {
  const r: KObject = isObject(rules) ? rules : {};
  r.stabilizationWindowSeconds ??= window;
  r.selectPolicy ??= 'Max';
  r.policies ??= policies;
  return r;
}

function binding(b: KObject) {
  if (isObject(b.roleRef) && !b.roleRef.apiGroup) b.roleRef.apiGroup = RBAC_GROUP;
}

export const GROUP_DEFAULTS: Record<string, TypeDefaults> = {
  // apps/v1
  [api('apps.v1', 'Deployment')]: (d) => {
    const spec = d.spec;
    if (!isObject(spec)) return;
    spec.replicas ??= 1;
    spec.strategy ??= {};
    spec.strategy.type ||= 'RollingUpdate';
    if (spec.strategy.type === 'RollingUpdate') {
      spec.strategy.rollingUpdate ??= {};
      spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
      spec.strategy.rollingUpdate.maxSurge ??= '25%';
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
  },
  [api('apps.v1', 'ReplicaSet')]: (rs) => {
    if (isObject(rs.spec)) rs.spec.replicas ??= 1;
  },
  [api('apps.v1', 'DaemonSet')]: (ds) => {
    const spec = ds.spec;
    if (!isObject(spec)) return;
    spec.updateStrategy ??= {};
    spec.updateStrategy.type ||= 'RollingUpdate';
    if (spec.updateStrategy.type === 'RollingUpdate') {
      spec.updateStrategy.rollingUpdate ??= {};
      spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
      spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
    }
    spec.revisionHistoryLimit ??= 10;
  },
  [api('apps.v1', 'StatefulSet')]: (sts) => {
    const spec = sts.spec;
    if (!isObject(spec)) return;
    spec.podManagementPolicy ||= 'OrderedReady';
    spec.updateStrategy ??= {};
    if (!spec.updateStrategy.type) {
      spec.updateStrategy.type = 'RollingUpdate';
      spec.updateStrategy.rollingUpdate ??= {};
    }
    const ru = spec.updateStrategy.rollingUpdate;
    if (spec.updateStrategy.type === 'RollingUpdate' && isObject(ru)) {
      ru.partition ??= 0;
      ru.maxUnavailable ??= 1; // MaxUnavailableStatefulSet is beta, and on, in 1.35
    }
    spec.persistentVolumeClaimRetentionPolicy ??= {};
    spec.persistentVolumeClaimRetentionPolicy.whenDeleted ||= 'Retain';
    spec.persistentVolumeClaimRetentionPolicy.whenScaled ||= 'Retain';
    spec.replicas ??= 1;
    spec.revisionHistoryLimit ??= 10;
  },
  [api('apps.v1', 'ControllerRevision')]: (cr) => {
    cr.revision ??= 0; // int64 without omitempty
  },

  // batch/v1
  [api('batch.v1', 'Job')]: (job) => {
    const spec = job.spec;
    if (!isObject(spec)) return;
    if (spec.completions === undefined && spec.parallelism === undefined) {
      spec.completions = 1;
      spec.parallelism = 1;
    }
    spec.parallelism ??= 1;
    spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? 2147483647 : 6;
    const labels = spec.template?.metadata?.labels;
    if (isObject(labels) && Object.keys(job.metadata?.labels ?? {}).length === 0) job.metadata.labels = { ...labels };
    spec.completionMode ??= 'NonIndexed';
    spec.suspend ??= false;
    spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  },
  [api('batch.v1', 'PodFailurePolicyOnPodConditionsPattern')]: (p) => { p.status ??= 'True'; },
  [api('batch.v1', 'CronJob')]: (cj) => {
    const spec = cj.spec;
    if (!isObject(spec)) return;
    spec.concurrencyPolicy ||= 'Allow';
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
  },

  // autoscaling
  [api('autoscaling.v2', 'HorizontalPodAutoscaler')]: (hpa) => {
    const spec = hpa.spec;
    if (!isObject(spec)) return;
    spec.minReplicas ??= 1;
    if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
      spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
    }
    if (isObject(spec.behavior)) {
      spec.behavior.scaleUp = scalingRules(spec.behavior.scaleUp, 0, [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }]);
      spec.behavior.scaleDown = scalingRules(spec.behavior.scaleDown, 300, [{ type: 'Percent', value: 100, periodSeconds: 15 }]);
    }
  },
  // the CPU target autoscaling/v1 leaves out is filled by conversion to the stored version
  [api('autoscaling.v1', 'HorizontalPodAutoscaler')]: (hpa) => {
    if (isObject(hpa.spec)) hpa.spec.minReplicas ??= 1;
  },

  // networking.k8s.io/v1
  [api('networking.v1', 'NetworkPolicy')]: (np) => {
    const spec = (np.spec ??= {});
    if (!isObject(spec)) return;
    spec.podSelector ??= {}; // a struct: always serialized
    // a policy that names no types isolates ingress, and egress too when it has egress rules
    if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
      spec.policyTypes = (spec.egress ?? []).length ? ['Ingress', 'Egress'] : ['Ingress'];
    }
  },
  [api('networking.v1', 'NetworkPolicyPort')]: (p) => { p.protocol ??= 'TCP'; },
  [api('networking.v1', 'IngressClassParametersReference')]: (p) => { p.scope ??= 'Cluster'; },

  // discovery.k8s.io/v1
  [api('discovery.v1', 'EndpointPort')]: (p) => {
    p.name ??= '';
    p.protocol ??= 'TCP';
  },

  // storage.k8s.io/v1
  [api('storage.v1', 'StorageClass')]: (sc) => {
    sc.reclaimPolicy ||= 'Delete';
    sc.volumeBindingMode ||= 'Immediate';
  },
  // (SELinuxMountReadWriteOncePod, beta and on since 1.28, adds seLinuxMount)
  [api('storage.v1', 'CSIDriver')]: (d) => {
    d.spec ??= {}; // a struct, not a pointer: Go has one to default even when the JSON has none
    if (!isObject(d.spec)) return;
    const spec = d.spec;
    spec.attachRequired ??= true;
    spec.podInfoOnMount ??= false;
    spec.storageCapacity ??= false;
    spec.fsGroupPolicy ??= 'ReadWriteOnceWithFSType';
    if (!Array.isArray(spec.volumeLifecycleModes) || spec.volumeLifecycleModes.length === 0) spec.volumeLifecycleModes = ['Persistent'];
    spec.requiresRepublish ??= false;
    spec.seLinuxMount ??= false;
  },

  // admissionregistration.k8s.io/v1
  [api('admissionregistration.v1', 'ValidatingAdmissionPolicySpec')]: (spec) => {
    spec.failurePolicy ??= 'Fail';
  },
  [api('admissionregistration.v1', 'MatchResources')]: (m) => {
    m.matchPolicy ??= 'Equivalent';
    m.namespaceSelector ??= {};
    m.objectSelector ??= {};
  },
  [api('admissionregistration.v1', 'NamedRuleWithOperations')]: (r) => {
    r.scope ??= '*';
  },
  [api('admissionregistration.v1', 'ParamRef')]: (r) => {
    r.parameterNotFoundAction ??= 'Deny';
  },

  // scheduling.k8s.io/v1
  [api('scheduling.v1', 'PriorityClass')]: (pc) => {
    pc.value ??= 0; // int32 without omitempty
    pc.preemptionPolicy ??= 'PreemptLowerPriority';
  },

  // rbac.authorization.k8s.io/v1: the RBAC group is implied where it is the only valid one
  [api('rbac.v1', 'RoleBinding')]: binding,
  [api('rbac.v1', 'ClusterRoleBinding')]: binding,
  // (a ServiceAccount's apiGroup defaults to "", which its omitempty JSON leaves out)
  [api('rbac.v1', 'Subject')]: (s) => {
    if (!s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = RBAC_GROUP;
  },
};
