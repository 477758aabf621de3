// The service ClusterIP allocator. Like kube-apiserver since 1.33, each
// allocated IP is an IPAddress object named by the IP, so the store's
// uniqueness of names is what makes two services never share an IP.
import type { KObject } from '../../resources/types';
import { lookup } from '../../resources/registry';
import { ApiError, invalid } from '../../status/status';
import type { RestContext } from '../context';
import type { ResourceHooks } from './types';
import { SERVER_WRITE } from '../../request/options';

/** The default service CIDR, 10.96.0.0/12; .1 is the `kubernetes` service's. */
const CIDR_BASE = [10, 96, 0, 0];
const CIDR_SIZE = 1 << 20;
export const KUBERNETES_SERVICE_IP = '10.96.0.1';
export const SERVICE_CIDR = '10.96.0.0/12';
const ATTEMPTS = 16;

function randomServiceIP(): string {
  // Skip the network address and .1 (reserved for the kubernetes service).
  const offset = 2 + (crypto.getRandomValues(new Uint32Array(1))[0] % (CIDR_SIZE - 3));
  const n = ((CIDR_BASE[0] << 24) | (CIDR_BASE[1] << 16)) + offset;
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function inServiceCIDR(ip: string): boolean {
  const p = ip.split('.').map(Number);
  return p.length === 4 && p.every((x) => Number.isInteger(x) && x >= 0 && x <= 255) && p[0] === 10 && p[1] >= 96 && p[1] <= 111;
}

const ipDef = () => lookup('networking.k8s.io', 'v1', 'ipaddresses');

async function claim(ctx: RestContext, ip: string, svc: KObject): Promise<boolean> {
  const def = ipDef();
  if (!def) return true;
  const { createObject } = await import('../write');
  try {
    await createObject(ctx, { def, namespace: undefined }, {
      apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress',
      metadata: { name: ip, labels: { 'ipaddress.kubernetes.io/ip-family': 'IPv4', 'ipaddress.kubernetes.io/managed-by': 'ipallocator.k8s.io' } },
      spec: { parentRef: { group: '', resource: 'services', namespace: svc.metadata.namespace, name: svc.metadata.name } },
    }, { ...SERVER_WRITE, fieldManager: 'kube-apiserver' });
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.status.code === 409) return false;
    throw e;
  }
}

export const serviceHooks: ResourceHooks = {
  async allocate(ctx, svc, dryRun) {
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName' || spec.clusterIP === 'None') {
      if (spec.clusterIP === 'None') spec.clusterIPs = ['None'];
      return undefined;
    }
    let ip: string | undefined = spec.clusterIP || undefined;
    if (ip) {
      if (!inServiceCIDR(ip)) throw invalid('Service', '', svc.metadata.name, [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ["${ip}"]: failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is 10.96.0.0/12` }]);
      if (!dryRun && !(await claim(ctx, ip, svc))) {
        throw invalid('Service', '', svc.metadata.name, [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ["${ip}"]: failed to allocate IP ${ip}: provided IP is already allocated` }]);
      }
    } else {
      for (let i = 0; i < ATTEMPTS && !ip; i++) {
        const candidate = randomServiceIP();
        if (dryRun || (await claim(ctx, candidate, svc))) ip = candidate;
      }
      if (!ip) throw invalid('Service', '', svc.metadata.name, [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: 'Internal error: failed to allocate a service IP: range is full' }]);
    }
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
    svc.spec = spec;
    const claimed = ip;
    return dryRun ? undefined : () => serviceHooks.release!(ctx, { ...svc, spec: { ...spec, clusterIP: claimed } });
  },
  async release(ctx, svc) {
    const ip = svc.spec?.clusterIP;
    const def = ipDef();
    if (!def || !ip || ip === 'None') return;
    const { deleteObject } = await import('../delete');
    try {
      await deleteObject(ctx, def, undefined, ip, { dryRun: false });
    } catch (e) {
      if (!(e instanceof ApiError && e.status.code === 404)) throw e;
    }
  },
};
