import type { KObject, ResourceDefinition } from '../../types';
import { Errors, dns1123Label, dns1123Subdomain, isIP } from '../../validation';
import { AGE_COLUMN, col, listWithMore } from '../shared';

// pkg/registry/discovery/endpointslice, discovery/v1 defaults,
// ValidateEndpointSlice(Update) and printEndpointSlice.

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validateAddress(e: Errors, type: string, addr: unknown, field: string) {
  const a = String(addr);
  if (type === 'IPv4' && !(isIP(a) && !a.includes(':'))) e.invalid(field, a, 'must be a valid IPv4 address');
  else if (type === 'IPv6' && !(isIP(a) && a.includes(':'))) e.invalid(field, a, 'must be a valid IPv6 address');
  else if (type === 'FQDN') {
    if (!a.includes('.')) e.invalid(field, a, 'should be a domain with at least two segments separated by dots');
    else e.check(field, a, dns1123Subdomain);
  }
}

export const endpointslices: ResourceDefinition = {
  group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', resource: 'endpointslices', singular: 'endpointslice',
  namespaced: true, hasGeneration: true,
  validate(obj) {
    const e = new Errors();
    const type = obj.addressType;
    if (!type) e.required('addressType');
    else if (!ADDRESS_TYPES.includes(type)) e.notSupported('addressType', type, ADDRESS_TYPES);
    const eps = e.array(obj, 'endpoints', 'endpoints');
    if (eps.length > 1000) e.list.push({ reason: 'FieldValueTooMany', field: 'endpoints', message: `Too many: ${eps.length}: must have at most 1000 items` });
    eps.forEach((ep, i) => {
      const f = `endpoints[${i}].addresses`;
      const addrs = e.array(ep, 'addresses', f);
      if (addrs.length === 0) e.required(f, 'must contain at least 1 address');
      else if (addrs.length > 100) e.list.push({ reason: 'FieldValueTooMany', field: f, message: `Too many: ${addrs.length}: must have at most 100 items` });
      addrs.forEach((a, j) => validateAddress(e, type, a, `${f}[${j}]`));
    });
    const names = new Set<string>();
    e.array(obj, 'ports', 'ports').forEach((p, i) => {
      const f = `ports[${i}]`;
      const name = p?.name ?? '';
      if (name) e.check(`${f}.name`, name, dns1123Label);
      if (names.has(name)) e.duplicate(`${f}.name`, name);
      names.add(name);
      if (!p?.protocol) e.required(`${f}.protocol`);
      else if (!PROTOCOLS.includes(p.protocol)) e.notSupported(`${f}.protocol`, p.protocol, PROTOCOLS);
    });
    return e.list;
  },
  validateUpdate(n, o) {
    const e = new Errors();
    e.immutable(n, o, ['addressType']);
    return e.list;
  },
  columns: [
    col('AddressType', 'string', 'addressType specifies the type of address carried by this EndpointSlice.', (o) => o.addressType ?? ''),
    col('Ports', 'string', 'ports specifies the list of network ports exposed by each endpoint in this slice.',
      (o) => listWithMore((o.ports ?? []).map((p: KObject) => (p.port !== undefined && p.port !== null ? String(p.port) : p.name ?? '*')))),
    col('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice.',
      (o) => listWithMore((o.endpoints ?? []).flatMap((ep: KObject) => ep.addresses ?? []))),
    AGE_COLUMN,
  ],
};
