import type { ResourceDefinition } from '../../types';
import { Errors, portName, portNumber } from '../../validation';
import { AGE_COLUMN, col, formatLabelSelector, validateLabelSelector } from '../shared';

// pkg/registry/networking/networkpolicy, networking/v1 SetDefaults_NetworkPolicy(Port),
// ValidateNetworkPolicy and printNetworkPolicy.

const POLICY_TYPES = ['Ingress', 'Egress'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

export const networkpolicies: ResourceDefinition = {
  group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', resource: 'networkpolicies', singular: 'networkpolicy',
  namespaced: true, shortNames: ['netpol'], hasGeneration: true,
  validate(obj) {
    const e = new Errors();
    const spec = obj.spec ?? {};
    validateLabelSelector(e, spec.podSelector ?? {}, 'spec.podSelector');
    for (const dir of ['ingress', 'egress']) {
      e.array(spec, dir, `spec.${dir}`).forEach((rule, i) => {
        e.array(rule, 'ports', `spec.${dir}[${i}].ports`).forEach((p, j) => {
          const f = `spec.${dir}[${i}].ports[${j}]`;
          if (p?.protocol && !PROTOCOLS.includes(p.protocol)) e.notSupported(`${f}.protocol`, p.protocol, PROTOCOLS);
          if (typeof p?.port === 'number') for (const m of portNumber(p.port)) e.invalid(`${f}.port`, p.port, m);
          else if (typeof p?.port === 'string') e.check(`${f}.port`, p.port, portName);
          if (p?.endPort !== undefined && typeof p.port !== 'number') e.required(`${f}.port`, 'must be specified when endPort is specified');
          else if (p?.endPort !== undefined && p.endPort < p.port) e.invalid(`${f}.endPort`, p.endPort, 'must be greater than or equal to `port`');
        });
      });
    }
    const types = e.array(spec, 'policyTypes', 'spec.policyTypes') as unknown[];
    if (types.length > 2) e.invalid('spec.policyTypes', types, 'may not specify more than two policyTypes');
    else types.forEach((t, i) => { if (!POLICY_TYPES.includes(t as string)) e.notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES); });
    return e.list;
  },
  columns: [
    col('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies.', (o) => formatLabelSelector(o.spec?.podSelector)),
    AGE_COLUMN,
  ],
};
