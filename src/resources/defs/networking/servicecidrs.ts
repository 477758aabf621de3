import type { KObject, ResourceDefinition } from '../../types';
import { Errors, isIP } from '../../validation';
import { AGE_COLUMN, col } from '../shared';

// pkg/registry/networking/servicecidr, ValidateServiceCIDR(Update) and printServiceCIDR:
// the ranges Service cluster IPs come from, at most one per IP family.

/** apimachinery's IsValidCIDR: a CIDR, in canonical form ("10.0.0.0/8", not "10.0.0.1/8"). */
function cidrErrors(v: string): string[] {
  const [ip, bits, ...rest] = v.split('/');
  const max = ip?.includes(':') ? 128 : 32;
  if (rest.length || !ip || !isIP(ip) || !/^\d{1,3}$/.test(bits ?? '') || Number(bits) > max) return [`must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`];
  if (!ip.includes(':')) {
    const n = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
    const b = Number(bits);
    const masked = b === 0 ? 0 : Number((BigInt(n) >> BigInt(32 - b)) << BigInt(32 - b));
    const canonical = `${[24, 16, 8, 0].map((s) => (masked >>> s) & 255).join('.')}/${b}`;
    if (canonical !== v) return [`must be in canonical form (${JSON.stringify(canonical)})`];
  }
  return [];
}

export const servicecidrs: ResourceDefinition = {
  group: 'networking.k8s.io', version: 'v1', kind: 'ServiceCIDR', resource: 'servicecidrs', singular: 'servicecidr',
  namespaced: false, hasGeneration: false, statusSubresource: true,
  subresources: [{ name: 'status', kind: 'ServiceCIDR', verbs: ['get', 'patch', 'update'] }],
  prepareForCreate(obj) {
    // readiness is the controller's to report
    obj.status = {};
  },
  validate(obj) {
    const e = new Errors();
    const cidrs: unknown[] = Array.isArray(obj.spec?.cidrs) ? obj.spec.cidrs : [];
    if (cidrs.length === 0) e.required('spec.cidrs');
    else if (cidrs.length > 2) e.invalid('spec', obj.spec, 'may only hold up to 2 values');
    else {
      cidrs.forEach((c, i) => { for (const m of cidrErrors(String(c))) e.invalid(`spec.cidrs[${i}]`, c, m); });
      if (cidrs.length === 2 && String(cidrs[0]).includes(':') === String(cidrs[1]).includes(':')) {
        e.invalid('spec.cidrs', cidrs, 'may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64');
      }
    }
    return e.list;
  },
  validateUpdate(n, o) {
    // a single-stack range may grow a second family; nothing else about it changes
    const e = new Errors();
    const before: string[] = o.spec?.cidrs ?? [];
    const after: string[] = n.spec?.cidrs ?? [];
    const upgrade = before.length === 1 && after.length === 2 && after[0] === before[0];
    if (!upgrade && JSON.stringify(before) !== JSON.stringify(after)) e.invalid('spec.cidrs', after, 'field is immutable');
    return e.list;
  },
  columns: [
    col('CIDRs', 'string', 'spec.cidrs of the ServiceCIDR.', (o: KObject) => (o.spec?.cidrs ?? []).join(',') || '<none>'),
    AGE_COLUMN,
  ],
};
