import type { ResourceDefinition } from '../../types';
import { statusSubresource } from '../shared';
import { validatePolicy, validateBinding } from '../../../admission/policy/validation';

// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy (GA in 1.30): CEL
// validations applied to writes of the kinds a binding matches
// (src/admission/policy). The status (type-checking warnings) is the policy
// status controller's.
export const validatingadmissionpolicies: ResourceDefinition = {
  group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingAdmissionPolicy', resource: 'validatingadmissionpolicies',
  singular: 'validatingadmissionpolicy', namespaced: false, categories: ['api-extensions'], hasGeneration: true, statusSubresource: true,
  subresources: [statusSubresource('ValidatingAdmissionPolicy')],
  validate: validatePolicy,
};

export const validatingadmissionpolicybindings: ResourceDefinition = {
  group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingAdmissionPolicyBinding', resource: 'validatingadmissionpolicybindings',
  singular: 'validatingadmissionpolicybinding', namespaced: false, categories: ['api-extensions'], hasGeneration: true,
  validate: validateBinding,
};
