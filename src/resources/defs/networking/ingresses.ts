import type { KObject, ResourceDefinition } from '../../types';
import { Errors, dns1035Label, dns1123Subdomain, isIP, portName, portNumber } from '../../validation';
import { AGE_COLUMN, col, statusSubresource } from '../shared';

// pkg/registry/networking/ingress, ValidateIngress and printIngress.

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];

function validateBackend(e: Errors, b: KObject | undefined, field: string) {
  const svc = b?.service;
  if (b?.resource && svc) { e.invalid(field, '', 'cannot set both resource and service backends'); return; }
  if (b?.resource) {
    if (!b.resource.kind) e.required(`${field}.resource.kind`);
    if (!b.resource.name) e.required(`${field}.resource.name`);
    return;
  }
  if (!svc) { e.invalid(field, '', 'resource or service backend is required'); return; }
  if (!svc.name) e.required(`${field}.service.name`);
  else e.check(`${field}.service.name`, svc.name, dns1035Label);
  const name = svc.port?.name, num = svc.port?.number;
  if (name && num) e.invalid(field, '', 'cannot set both port name & port number');
  else if (name) e.check(`${field}.service.port.name`, name, portName);
  else if (num) for (const m of portNumber(num)) e.invalid(`${field}.service.port.number`, num, m);
  else e.required(field, 'port name or number is required');
}

function validatePath(e: Errors, p: KObject, field: string) {
  const type = p?.pathType;
  if (!type) { e.required(`${field}.pathType`, 'pathType must be specified'); return; }
  const path: string = p.path ?? '';
  if (type === 'Exact' || type === 'Prefix') {
    if (!path.startsWith('/')) e.invalid(`${field}.path`, path, 'must be an absolute path');
    for (const seq of ['//', '/./', '/../', '%2f', '%2F']) if (path.includes(seq)) e.invalid(`${field}.path`, path, `must not contain '${seq}'`);
    for (const suf of ['/..', '/.']) if (path.endsWith(suf)) e.invalid(`${field}.path`, path, `cannot end with '${suf}'`);
  } else if (type === 'ImplementationSpecific') {
    if (path && !path.startsWith('/')) e.invalid(`${field}.path`, path, 'must be an absolute path');
  } else e.notSupported(`${field}.pathType`, type, PATH_TYPES);
  validateBackend(e, p.backend, `${field}.backend`);
}

function validateHost(e: Errors, host: string, field: string) {
  if (isIP(host)) { e.invalid(field, host, 'must be a DNS name, not an IP address'); return; }
  // A wildcard is allowed only as the whole first label.
  e.check(field, host.startsWith('*.') ? host.slice(2) : host, dns1123Subdomain);
}

/** ingressLoadBalancerStatusStringer: the distinct IPs and hostnames, sorted. */
const address = (o: KObject) => [...new Set<string>((o.status?.loadBalancer?.ingress ?? []).map((i: KObject) => i.ip || i.hostname).filter(Boolean))].sort().join(',');

/** formatHosts: up to three hosts, "*" when no rule names one. */
function hosts(o: KObject): string {
  const rules: KObject[] = o.spec?.rules ?? [];
  const list = rules.map((r) => r.host).filter(Boolean).slice(0, 3);
  if (list.length === 0) return '*';
  return rules.length > 3 ? `${list.join(',')} + ${rules.length - 3} more...` : list.join(',');
}

export const ingresses: ResourceDefinition = {
  group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', resource: 'ingresses', singular: 'ingress',
  namespaced: true, shortNames: ['ing'], hasGeneration: true, statusSubresource: true,
  subresources: [statusSubresource('Ingress')],
  prepareForCreate(obj) {
    obj.status = { loadBalancer: {} };
  },
  validate(obj) {
    const e = new Errors();
    const spec = obj.spec ?? {};
    const rules = e.array(spec, 'rules', 'spec.rules');
    if (rules.length === 0 && !spec.defaultBackend) e.invalid('spec', spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified');
    if (spec.defaultBackend) validateBackend(e, spec.defaultBackend, 'spec.defaultBackend');
    rules.forEach((r, i) => {
      const f = `spec.rules[${i}]`;
      if (r?.host) validateHost(e, r.host, `${f}.host`);
      if (r?.http) {
        const paths = e.array(r.http, 'paths', `${f}.http.paths`);
        if (paths.length === 0) e.required(`${f}.http.paths`);
        paths.forEach((p, j) => validatePath(e, p, `${f}.http.paths[${j}]`));
      }
    });
    e.array(spec, 'tls', 'spec.tls').forEach((t, i) => {
      (Array.isArray(t?.hosts) ? t.hosts : []).forEach((h: string, j: number) => validateHost(e, String(h), `spec.tls[${i}].hosts[${j}]`));
    });
    if (spec.ingressClassName) e.check('spec.ingressClassName', spec.ingressClassName, dns1123Subdomain);
    return e.list;
  },
  columns: [
    col('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration', (o) => o.spec?.ingressClassName ?? '<none>'),
    col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule', hosts),
    col('Address', 'string', 'Address is a list containing ingress points for the load-balancer', address),
    col('Ports', 'string', 'Ports of TLS configurations that open', (o) => ((o.spec?.tls ?? []).length ? '80, 443' : '80')),
    AGE_COLUMN,
  ],
};
