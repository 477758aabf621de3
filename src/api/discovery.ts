// Discovery, legacy and aggregated (apidiscovery.k8s.io/v2), generated from
// the resource registry.
import type { Context } from 'hono';
import type { ResourceDefinition } from '../resources/types';
import { groups, gvString, resourcesIn, verbsOf } from '../resources/registry';
import { wantsAggregatedDiscovery } from './negotiate';
import { notFoundPath } from '../status/status';
import { storageDef } from '../rest/objects';
import { createHash } from 'node:crypto';

/**
 * discovery.StorageVersionHash: the first 8 bytes of sha256("group/version/kind") of the version
 * a kind is stored in, base64; the same for every version served from one storage. Kinds that
 * are answers, never stored, have none.
 */
const hashes = new Map<ResourceDefinition, string>();
function storageVersionHash(d: ResourceDefinition): string | undefined {
  if (d.review) return undefined;
  let hash = hashes.get(d);
  if (hash === undefined) {
    const s = storageDef(d);
    hash = createHash('sha256').update(`${s.group}/${s.version}/${s.kind}`).digest().subarray(0, 8).toString('base64');
    hashes.set(d, hash);
  }
  return hash;
}

function apiResource(d: ResourceDefinition) {
  const hash = storageVersionHash(d);
  return {
    name: d.resource, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: verbsOf(d),
    ...(d.shortNames?.length ? { shortNames: d.shortNames } : {}),
    ...(d.categories?.length ? { categories: d.categories } : {}),
    ...(hash ? { storageVersionHash: hash } : {}),
  };
}

function apiSubresources(d: ResourceDefinition) {
  return (d.subresources ?? []).map((s) => ({
    name: `${d.resource}/${s.name}`, singularName: '', namespaced: d.namespaced, kind: s.kind,
    ...(s.group !== undefined ? { group: s.group, version: s.version } : {}), verbs: s.verbs,
  }));
}

/** APIResourceList for /api/v1 and /apis/{group}/{version}. */
export function resourceList(group: string, version: string) {
  const defs = resourcesIn(group, version);
  if (defs.length === 0) return undefined;
  return {
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gvString({ group, version }),
    resources: defs.flatMap((d) => [apiResource(d), ...apiSubresources(d)]),
  };
}

function apiGroup(group: string, versions: string[]) {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

function discoveryGroup(group: string, versions: string[]) {
  return {
    metadata: { name: group },
    versions: versions.map((version) => ({
      version, freshness: 'Current',
      resources: resourcesIn(group, version).map((d) => ({
        resource: d.resource, responseKind: { group: d.group, version: d.version, kind: d.kind },
        scope: d.namespaced ? 'Namespaced' : 'Cluster', singularResource: d.singular, verbs: verbsOf(d),
        ...(d.shortNames?.length ? { shortNames: d.shortNames } : {}),
        ...(d.categories?.length ? { categories: d.categories } : {}),
        ...(d.subresources?.length ? {
          subresources: d.subresources.map((s) => ({
            subresource: s.name, responseKind: { group: s.group ?? d.group, version: s.version ?? d.version, kind: s.kind }, verbs: s.verbs,
          })),
        } : {}),
      })),
    })),
  };
}

/** Aggregated discovery needs this exact Content-Type, or clients read an empty list. */
function aggregated(c: Context, version: 'v2' | 'v2beta1', items: unknown[]) {
  const body = JSON.stringify({ kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items });
  return c.body(body, 200, {
    'Content-Type': `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`,
    Vary: 'Accept',
  });
}

export function discoveryRoutes(app: import('hono').Hono<any>) {
  app.get('/api', (c) => {
    const v = wantsAggregatedDiscovery(c.req.header('accept'));
    const core = groups().find((g) => g.group === '')!;
    if (v) return aggregated(c, v, [discoveryGroup('', core.versions)]);
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    return c.json({ kind: 'APIVersions', versions: core.versions, serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }] }, 200, { Vary: 'Accept' });
  });
  app.get('/apis', (c) => {
    const named = groups().filter((g) => g.group !== '');
    const v = wantsAggregatedDiscovery(c.req.header('accept'));
    if (v) return aggregated(c, v, named.map((g) => discoveryGroup(g.group, g.versions)));
    return c.json({ kind: 'APIGroupList', apiVersion: 'v1', groups: named.map((g) => apiGroup(g.group, g.versions)) }, 200, { Vary: 'Accept' });
  });
  app.get('/api/v1', (c) => c.json(resourceList('', 'v1')));
  app.get('/apis/:group', (c) => {
    const g = groups().find((x) => x.group === c.req.param('group') && x.group !== '');
    if (!g) throw notFoundPath();
    return c.json({ kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g.group, g.versions) });
  });
  app.get('/apis/:group/:version', (c) => {
    const list = resourceList(c.req.param('group'), c.req.param('version'));
    if (!list || c.req.param('group') === '') throw notFoundPath();
    return c.json(list);
  });
}
