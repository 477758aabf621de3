// Every served kind, in discovery order: core first, then each group. Within a
// group kinds are alphabetical, as kube-apiserver lists them. One import and
// one entry per kind.
import type { ResourceDefinition } from '../types';
import { configmaps } from './core/configmaps';
import { endpoints } from './core/endpoints';
import { events } from './core/events';
import { limitranges } from './core/limitranges';
import { namespaces } from './core/namespaces';
import { nodes } from './core/nodes';
import { persistentvolumeclaims } from './core/persistentvolumeclaims';
import { persistentvolumes } from './core/persistentvolumes';
import { pods } from './core/pods';
import { podtemplates } from './core/podtemplates';
import { replicationcontrollers } from './core/replicationcontrollers';
import { resourcequotas } from './core/resourcequotas';
import { secrets } from './core/secrets';
import { serviceaccounts } from './core/serviceaccounts';
import { services } from './core/services';
import { controllerrevisions } from './apps/controllerrevisions';
import { daemonsets } from './apps/daemonsets';
import { deployments } from './apps/deployments';
import { replicasets } from './apps/replicasets';
import { statefulsets } from './apps/statefulsets';
import { cronjobs } from './batch/cronjobs';
import { jobs } from './batch/jobs';
import { certificatesigningrequests } from './certificates/certificatesigningrequests';
import { leases } from './coordination/leases';
import { eventsV1 } from './events/events';
import { endpointslices } from './discovery/endpointslices';
import { clusterrolebindings } from './rbac/clusterrolebindings';
import { clusterroles } from './rbac/clusterroles';
import { rolebindings } from './rbac/rolebindings';
import { roles } from './rbac/roles';
import { poddisruptionbudgets } from './policy/poddisruptionbudgets';
import { ingressclasses } from './networking/ingressclasses';
import { ingresses } from './networking/ingresses';
import { ipaddresses } from './networking/ipaddresses';
import { networkpolicies } from './networking/networkpolicies';
import { storageclasses } from './storage/storageclasses';
import { csidrivers } from './storage/csidrivers';
import { csinodes } from './storage/csinodes';
import { csistoragecapacities } from './storage/csistoragecapacities';
import { volumeattachments } from './storage/volumeattachments';
import { volumeattributesclasses } from './storage/volumeattributesclasses';
import { servicecidrs } from './networking/servicecidrs';
import { priorityclasses } from './scheduling/priorityclasses';
import { horizontalpodautoscalers } from './autoscaling/horizontalpodautoscalers';
import { horizontalpodautoscalersV1 } from './autoscaling/horizontalpodautoscalers-v1';
import { customresourcedefinitions } from './apiextensions/customresourcedefinitions';
import { validatingadmissionpolicies, validatingadmissionpolicybindings } from './admissionregistration/validatingadmissionpolicies';
import { bindings } from './core/bindings';
import { componentstatuses } from './core/componentstatuses';
import { selfsubjectreviews, tokenreviews } from './authentication/reviews';
import { nodeMetrics, podMetrics } from './metrics/metrics';
import { localsubjectaccessreviews, selfsubjectaccessreviews, selfsubjectrulesreviews, subjectaccessreviews } from './authorization/reviews';

export const DEFINITIONS: ResourceDefinition[] = [
  // core/v1
  bindings, componentstatuses, configmaps, endpoints, events, limitranges, namespaces, nodes, persistentvolumeclaims, persistentvolumes,
  pods, podtemplates, replicationcontrollers, resourcequotas, secrets, serviceaccounts, services,
  // apps/v1
  controllerrevisions, daemonsets, deployments, replicasets, statefulsets,
  // batch/v1
  cronjobs, jobs,
  // certificates.k8s.io/v1
  certificatesigningrequests,
  // coordination.k8s.io/v1
  leases,
  // events.k8s.io/v1 (stored as core/v1 events)
  eventsV1,
  // discovery.k8s.io/v1
  endpointslices,
  // rbac.authorization.k8s.io/v1
  clusterrolebindings, clusterroles, rolebindings, roles,
  // policy/v1
  poddisruptionbudgets,
  // networking.k8s.io/v1
  ingressclasses, ingresses, ipaddresses, networkpolicies, servicecidrs,
  // storage.k8s.io/v1
  csidrivers, csinodes, csistoragecapacities, storageclasses, volumeattachments, volumeattributesclasses,
  // admissionregistration.k8s.io/v1 (the policies; webhook configurations are not served)
  validatingadmissionpolicies, validatingadmissionpolicybindings,
  // apiextensions.k8s.io/v1
  customresourcedefinitions,
  // scheduling.k8s.io/v1
  priorityclasses,
  // autoscaling/v2, and autoscaling/v1 (stored as v2)
  horizontalpodautoscalers, horizontalpodautoscalersV1,
  // authentication.k8s.io/v1 and authorization.k8s.io/v1: answers, never stored
  selfsubjectreviews, tokenreviews,
  localsubjectaccessreviews, selfsubjectaccessreviews, selfsubjectrulesreviews, subjectaccessreviews,
  // metrics.k8s.io/v1beta1: what the node agents measure, read on each request
  nodeMetrics, podMetrics,
];
