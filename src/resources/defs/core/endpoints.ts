import type { KObject, ResourceDefinition } from '../../types';
import { Errors, ipAddress, portNumber } from '../../validation';
import { AGE_COLUMN, col } from '../shared';

// pkg/registry/core/endpoint, SetDefaults_Endpoints, ValidateEndpoints and printEndpoints.

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

/** formatEndpoints: up to three "ip:port" entries, then "+ N more...". */
function formatEndpoints(o: KObject): string {
  const subsets: KObject[] = o.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const addrs: KObject[] = ss.addresses ?? [];
    const ports: KObject[] = ss.ports ?? [];
    if (ports.length === 0) {
      count += addrs.length;
      for (const a of addrs) if (list.length < 3) list.push(a.ip);
      continue;
    }
    for (const p of ports) {
      count += addrs.length;
      for (const a of addrs) if (list.length < 3) list.push(a.ip?.includes(':') ? `[${a.ip}]:${p.port}` : `${a.ip}:${p.port}`);
    }
  }
  return count > 3 ? `${list.join(',')} + ${count - 3} more...` : list.join(',');
}

export const endpoints: ResourceDefinition = {
  group: '', version: 'v1', kind: 'Endpoints', resource: 'endpoints', singular: 'endpoints',
  namespaced: true, shortNames: ['ep'], hasGeneration: false,
  allowCreateOnUpdate: true,
  validate(obj) {
    const e = new Errors();
    e.array(obj, 'subsets', 'subsets').forEach((ss, i) => {
      const f = `subsets[${i}]`;
      const addrs = e.array(ss, 'addresses', `${f}.addresses`);
      const notReady = e.array(ss, 'notReadyAddresses', `${f}.notReadyAddresses`);
      if (addrs.length === 0 && notReady.length === 0) e.required(f, 'must specify `addresses` or `notReadyAddresses`');
      for (const [list, key] of [[addrs, 'addresses'], [notReady, 'notReadyAddresses']] as const) {
        list.forEach((a, j) => {
          const ip = e.requireString(a, 'ip', `${f}.${key}[${j}].ip`);
          if (ip !== undefined) e.check(`${f}.${key}[${j}].ip`, ip, ipAddress);
        });
      }
      const ports = e.array(ss, 'ports', `${f}.ports`);
      ports.forEach((p, j) => {
        const pf = `${f}.ports[${j}]`;
        if (ports.length > 1 && !p?.name) e.required(`${pf}.name`);
        for (const m of portNumber(p?.port)) e.invalid(`${pf}.port`, p?.port ?? 0, m);
        if (!p?.protocol) e.required(`${pf}.protocol`);
        else if (!PROTOCOLS.includes(p.protocol)) e.notSupported(`${pf}.protocol`, p.protocol, PROTOCOLS);
      });
    });
    return e.list;
  },
  columns: [
    col('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.', formatEndpoints),
    AGE_COLUMN,
  ],
};
