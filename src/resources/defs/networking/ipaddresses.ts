import type { KObject, ResourceDefinition } from '../../types';
import { Errors, dns1123Subdomain, isIP, pathSegmentName } from '../../validation';
import { col } from '../shared';

// pkg/registry/networking/ipaddress, ValidateIPAddress(Update) and
// printIPAddress. One object per allocated service IP, named by the IP.

/** "services/default/kubernetes": resource[.group], namespace when set, name. */
function parentRef(o: KObject): string {
  const p = o.spec?.parentRef;
  if (!p) return '<none>';
  const gr = (p.group ? `${p.resource}.${p.group}` : String(p.resource ?? '')).toLowerCase();
  return `${gr}${p.namespace ? `/${p.namespace}` : ''}/${p.name}`;
}

export const ipaddresses: ResourceDefinition = {
  group: 'networking.k8s.io', version: 'v1', kind: 'IPAddress', resource: 'ipaddresses', singular: 'ipaddress',
  namespaced: false, shortNames: ['ip'], nameFormat: 'path', hasGeneration: false,
  validate(obj) {
    const e = new Errors();
    // The name is the address itself, in canonical form, so an IP can be claimed only once.
    const name = obj.metadata?.name;
    if (typeof name === 'string' && name !== '') {
      if (!isIP(name)) e.invalid('metadata.name', name, `ParseAddr(${JSON.stringify(name)}): unable to parse IP`);
      else if (name !== name.toLowerCase() || /(^|[.:])0\d/.test(name)) e.invalid('metadata.name', name, 'must be a canonical format IP address');
    }
    const p = obj.spec?.parentRef;
    if (!p || typeof p !== 'object') { e.required('spec.parentRef'); return e.list; }
    if (p.group) e.check('spec.parentRef.group', p.group, dns1123Subdomain);
    if (!p.resource) e.required('spec.parentRef.resource');
    else e.check('spec.parentRef.resource', p.resource, pathSegmentName);
    if (!p.name) e.required('spec.parentRef.name');
    else e.check('spec.parentRef.name', p.name, pathSegmentName);
    if (p.namespace) e.check('spec.parentRef.namespace', p.namespace, pathSegmentName);
    return e.list;
  },
  validateUpdate(n, o) {
    const e = new Errors();
    e.immutable(n, o, ['spec', 'parentRef']);
    return e.list;
  },
  columns: [col('ParentRef', 'string', 'ParentRef references the resource that an IPAddress is attached to.', parentRef)],
};
