import type { KObject, ResourceDefinition } from '../../types';
import { Errors, dns1035Label, dns1123Label, dns1123Subdomain, ipAddress, labelValue, portName, portNumber, qualifiedName } from '../../validation';
import { AGE_COLUMN, col, formatLabels, statusSubresource } from '../shared';

// pkg/registry/core/service (strategy and the REST layer's field patching),
// SetDefaults_Service, ValidateService and printService. The cluster IP itself
// is allocated by the request path, not here.

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

const isHeadless = (s: KObject) => s.spec?.type === 'ClusterIP' && (s.spec?.clusterIPs?.[0] ?? s.spec?.clusterIP) === 'None';
const usesClusterIP = (s: KObject) => s.spec?.type !== 'ExternalName';
const usesNodePorts = (s: KObject) => s.spec?.type === 'NodePort' || s.spec?.type === 'LoadBalancer';
const sameList = (a: unknown, b: unknown) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/**
 * The service strategy's PrepareForUpdate: patchAllocatedValues lets an update that omits
 * allocated values (a `kubectl replace` of the original manifest) keep them, then
 * NormalizeClusterIPs keeps clusterIP and clusterIPs in step, then dropTypeDependentFields
 * lets a type change shed what only the old type used.
 */
function prepareServiceUpdate(n: KObject, o: KObject) {
  const ns = n.spec, os = o.spec ?? {};
  if (!ns || typeof ns !== 'object') return;
  // patchAllocatedValues
  if (usesClusterIP(o) && usesClusterIP(n)) {
    if (!ns.clusterIP && os.clusterIP) ns.clusterIP = os.clusterIP;
    if (!(ns.clusterIPs ?? []).length && (os.clusterIPs ?? []).length) ns.clusterIPs = os.clusterIPs;
    if (ns.ipFamilies === undefined && os.ipFamilies !== undefined) ns.ipFamilies = os.ipFamilies;
    if (ns.ipFamilyPolicy === undefined && os.ipFamilyPolicy !== undefined) ns.ipFamilyPolicy = os.ipFamilyPolicy;
  }
  if (usesNodePorts(o) && usesNodePorts(n) && Array.isArray(ns.ports)) {
    const inNew = new Set(ns.ports.map((p: KObject) => p?.nodePort).filter(Boolean));
    const byName = new Map<string, number>((os.ports ?? []).map((p: KObject) => [p.name ?? '', p.nodePort]));
    for (const p of ns.ports) {
      if (!p || typeof p !== 'object' || p.nodePort) continue;
      const old = byName.get(p.name ?? '');
      if (old && !inNew.has(old)) p.nodePort = old;
    }
  }
  if (ns.healthCheckNodePort === undefined && os.healthCheckNodePort !== undefined && ns.externalTrafficPolicy === 'Local') ns.healthCheckNodePort = os.healthCheckNodePort;
  // NormalizeClusterIPs
  if ((os.clusterIPs ?? []).length && !(ns.clusterIPs ?? []).length && os.clusterIP === ns.clusterIP) ns.clusterIPs = os.clusterIPs;
  if (os.clusterIP !== ns.clusterIP) {
    if (os.clusterIP && !ns.clusterIP) { if (sameList(os.clusterIPs, ns.clusterIPs)) delete ns.clusterIPs; }
    else if (sameList(os.clusterIPs, ns.clusterIPs)) ns.clusterIPs = [ns.clusterIP];
  }
  // dropTypeDependentFields: only values the client left as they were are dropped.
  if (usesClusterIP(o) && !usesClusterIP(n) && ns.clusterIP === os.clusterIP && sameList(ns.clusterIPs, os.clusterIPs)) {
    for (const k of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'internalTrafficPolicy']) delete ns[k];
  }
  if (usesNodePorts(o) && !usesNodePorts(n) && Array.isArray(ns.ports)) {
    const oldPorts = new Set((os.ports ?? []).map((p: KObject) => p.nodePort));
    for (const p of ns.ports) if (p && typeof p === 'object' && oldPorts.has(p.nodePort)) delete p.nodePort;
  }
}

function validatePort(e: Errors, p: KObject, field: string, requireName: boolean, names: Set<string>) {
  if (!p || typeof p !== 'object') { e.typeInvalid(field, p, 'must be an object'); return; }
  if (requireName && !p.name) e.required(`${field}.name`);
  else if (p.name) {
    e.check(`${field}.name`, p.name, dns1123Label);
    if (names.has(p.name)) e.duplicate(`${field}.name`, p.name);
    names.add(p.name);
  }
  for (const m of portNumber(p.port)) e.invalid(`${field}.port`, p.port ?? 0, m);
  if (!p.protocol) e.required(`${field}.protocol`);
  else if (!PROTOCOLS.includes(p.protocol)) e.notSupported(`${field}.protocol`, p.protocol, PROTOCOLS);
  const t = p.targetPort;
  if (typeof t === 'number') for (const m of portNumber(t)) e.invalid(`${field}.targetPort`, t, m);
  else if (typeof t === 'string') for (const m of portName(t)) e.invalid(`${field}.targetPort`, t, m);
  if (p.nodePort !== undefined && p.nodePort !== 0) for (const m of portNumber(p.nodePort)) e.invalid(`${field}.nodePort`, p.nodePort, m);
}

/** printService's PORT(S): "80/TCP,443:30443/TCP". */
export function servicePorts(s: KObject): string {
  const ports: KObject[] = s.spec?.ports ?? [];
  const text = ports.map((p) => (p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',');
  return text || '<none>';
}

/** getServiceExternalIP: external IPs, load balancer ingress, or the external name. */
function externalIP(s: KObject): string {
  const ext: string[] = s.spec?.externalIPs ?? [];
  switch (s.spec?.type) {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = [...new Set<string>((s.status?.loadBalancer?.ingress ?? []).map((i: KObject) => i.ip || i.hostname).filter(Boolean))].sort();
      const all = [...lb, ...ext];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return s.spec?.externalName ?? '';
  }
  return '<unknown>';
}

export const services: ResourceDefinition = {
  group: '', version: 'v1', kind: 'Service', resource: 'services', singular: 'service',
  namespaced: true, shortNames: ['svc'], categories: ['all'], nameFormat: 'label', hasGeneration: false, statusSubresource: true, returnDeletedObject: true,
  allowCreateOnUpdate: true,
  subresources: [
    { name: 'proxy', kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
    statusSubresource('Service'),
  ],
  prepareForCreate(obj) {
    obj.status = { loadBalancer: {} };
    const spec = obj.spec;
    if (!spec || typeof spec !== 'object') return;
    if (spec.clusterIP && !(spec.clusterIPs ?? []).length) spec.clusterIPs = [spec.clusterIP];
    // A single-stack IPv4 cluster: the allocator's answer for every service that has cluster IPs.
    if (spec.type !== 'ExternalName') {
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
    }
  },
  prepareForUpdate(n, o) {
    prepareServiceUpdate(n, o);
  },
  validate(obj) {
    const e = new Errors();
    const name = obj.metadata?.name;
    // Service names become DNS names, so they must also start with a letter (DNS-1035);
    // other label errors are already reported by the generic name check.
    if (typeof name === 'string' && dns1123Label(name).length === 0) e.check('metadata.name', name, dns1035Label);
    const spec = obj.spec;
    if (!spec || typeof spec !== 'object') { e.required('spec'); return e.list; }
    if (!TYPES.includes(spec.type)) e.notSupported('spec.type', spec.type ?? '', TYPES);
    const ports = e.array(spec, 'ports', 'spec.ports');
    if (ports.length === 0 && !isHeadless(obj) && spec.type !== 'ExternalName') e.required('spec.ports');
    if (spec.type === 'ExternalName') {
      if ((spec.clusterIPs ?? []).length) e.forbidden('spec.clusterIPs', 'may not be set for ExternalName services');
      const cname = typeof spec.externalName === 'string' ? spec.externalName.replace(/\.$/, '') : '';
      if (cname) e.check('spec.externalName', cname, dns1123Subdomain);
      else e.required('spec.externalName');
    }
    const names = new Set<string>();
    ports.forEach((p, i) => validatePort(e, p, `spec.ports[${i}]`, ports.length > 1, names));
    if (spec.type === 'ClusterIP') ports.forEach((p, i) => { if (p?.nodePort) e.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"); });
    if (spec.clusterIP !== undefined && spec.clusterIP !== '' && spec.clusterIP !== 'None') e.check('spec.clusterIP', String(spec.clusterIP), ipAddress);
    (Array.isArray(spec.clusterIPs) ? spec.clusterIPs : []).forEach((ip: unknown, i: number) => {
      if (ip !== 'None' && ip !== '') e.check(`spec.clusterIPs[${i}]`, String(ip), ipAddress);
    });
    if (spec.clusterIP && (spec.clusterIPs ?? []).length && spec.clusterIPs[0] !== spec.clusterIP) {
      e.invalid('spec.clusterIPs', spec.clusterIPs, 'first value must match `clusterIP`');
    }
    if (spec.sessionAffinity !== 'None' && spec.sessionAffinity !== 'ClientIP') e.notSupported('spec.sessionAffinity', spec.sessionAffinity ?? '', ['ClientIP', 'None']);
    for (const [k, v] of Object.entries(spec.selector ?? {})) {
      e.check('spec.selector', k, qualifiedName);
      if (typeof v !== 'string') e.typeInvalid(`spec.selector[${k}]`, v, 'must be a string');
      else e.check('spec.selector', v, labelValue);
    }
    if (spec.externalTrafficPolicy !== undefined && !['Cluster', 'Local'].includes(spec.externalTrafficPolicy)) e.notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, ['Cluster', 'Local']);
    if (spec.internalTrafficPolicy !== undefined && !['Cluster', 'Local'].includes(spec.internalTrafficPolicy)) e.notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, ['Cluster', 'Local']);
    return e.list;
  },
  validateUpdate(n, o) {
    // validateUpgradeDowngradeClusterIPs: the primary cluster IP is fixed once allocated,
    // unless the service becomes, or stops being, an ExternalName.
    const e = new Errors();
    if (!usesClusterIP(n) || !usesClusterIP(o) || (isHeadless(n) && isHeadless(o))) return e.list;
    const oldIPs: string[] = o.spec?.clusterIPs ?? [];
    const newIPs: string[] = n.spec?.clusterIPs ?? [];
    if (oldIPs.length === newIPs.length) {
      oldIPs.forEach((ip, i) => { if (ip !== newIPs[i]) e.invalid(`spec.clusterIPs[${i}]`, newIPs, 'may not change once set'); });
    } else if (oldIPs.length > newIPs.length) {
      if (newIPs.length === 0) e.invalid('spec.clusterIPs[0]', newIPs, 'primary clusterIP can not be unset');
      else if (newIPs[0] !== oldIPs[0]) e.invalid('spec.clusterIPs[0]', newIPs, 'may not change once set');
    } else if (oldIPs.length && newIPs[0] !== oldIPs[0]) {
      e.invalid('spec.clusterIPs[0]', newIPs, 'may not change once set');
    }
    return e.list;
  },
  columns: [
    col('Type', 'string', 'type determines how the Service is exposed.', (o) => o.spec?.type ?? ''),
    col('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.', (o) => o.spec?.clusterIPs?.[0] || '<none>'),
    col('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.', externalIP),
    col('Port(s)', 'string', 'The list of ports that are exposed by this service.', servicePorts),
    AGE_COLUMN,
    col('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', (o) => formatLabels(o.spec?.selector), 1),
  ],
};
