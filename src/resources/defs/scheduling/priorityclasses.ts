import type { ResourceDefinition } from '../../types';
import { Errors } from '../../validation';
import { AGE_COLUMN, col } from '../shared';

// pkg/registry/scheduling/priorityclass, scheduling/v1 SetDefaults_PriorityClass,
// ValidatePriorityClass(Update) and printPriorityClass.

const HIGHEST_USER_PRIORITY = 1000000000;
const SYSTEM_CLASSES: Record<string, number> = { 'system-node-critical': 2000001000, 'system-cluster-critical': 2000000000 };
const PREEMPTION = ['Never', 'PreemptLowerPriority'];

export const priorityclasses: ResourceDefinition = {
  group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', resource: 'priorityclasses', singular: 'priorityclass',
  namespaced: false, shortNames: ['pc'], hasGeneration: false,
  validate(obj) {
    const e = new Errors();
    const name: string = obj.metadata?.name ?? '';
    if (!Number.isInteger(obj.value)) e.typeInvalid('value', obj.value, 'must be an integer');
    else if (name.startsWith('system-')) {
      // The system- prefix is reserved for the classes the API server itself creates.
      const want = SYSTEM_CLASSES[name];
      const err = want === undefined ? `${name} is not a known system priority class` : obj.value !== want ? `value of ${name} PriorityClass must be ${want}` : '';
      if (err) e.forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: ${err}`);
    } else if (obj.value > HIGHEST_USER_PRIORITY) {
      e.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`);
    }
    if (obj.preemptionPolicy !== undefined && !PREEMPTION.includes(obj.preemptionPolicy)) e.notSupported('preemptionPolicy', obj.preemptionPolicy, PREEMPTION);
    return e.list;
  },
  validateUpdate(n, o) {
    const e = new Errors();
    if (n.value !== o.value) e.forbidden('value', 'may not be changed in an update.');
    e.immutable(n, o, ['preemptionPolicy']);
    return e.list;
  },
  columns: [
    col('Value', 'integer', 'value represents the integer value of this priority class.', (o) => o.value ?? 0),
    col('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.', (o) => o.globalDefault ?? false),
    AGE_COLUMN,
    col('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority.', (o) => o.preemptionPolicy ?? ''),
  ],
};
