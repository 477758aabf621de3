// Discovery, legacy and aggregated (apidiscovery.k8s.io/v2), generated from
// the resource registry.
import type { Context } from 'hono';
import type { ResourceDefinition } from '../resources/types';
import { gvString, served, verbsOf, type ServedResources } from '../resources/registry';
import { customDefinitions } from '../apiextensions/registry';
import { restContext } from './resources';
import { wantsAggregatedDiscovery } from './negotiate';
import { notFoundPath } from '../status/status';
import { storageDef } from '../rest/objects';
import { createHash } from 'node:crypto';

/**
 * discovery.StorageVersionHash: the first 8 bytes of sha256("group/version/kind") of the version
 * a kind is stored in, base64; the same for every version served from one storage. Kinds that
 * are answers, never stored, have none.
 */
const hashes = new WeakMap<ResourceDefinition, string>();
function storageVersionHash(d: ResourceDefinition): string | undefined {
  if (d.review || d.virtual) return undefined;
  let hash = hashes.get(d);
  if (hash === undefined) {
    const s = storageDef(d);
    hash = createHash('sha256').update(`${s.group}/${s.version}/${s.kind}`).digest().subarray(0, 8).toString('base64');
    hashes.set(d, hash);
  }
  return hash;
}

interface APIResource {
  name: string; singularName: string; namespaced: boolean; group?: string; version?: string; kind: string; verbs: string[];
  shortNames?: string[]; categories?: string[]; storageVersionHash?: string;
}

function apiResource(d: ResourceDefinition): APIResource {
  const hash = storageVersionHash(d);
  return {
    name: d.resource, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: verbsOf(d),
    ...(d.shortNames?.length ? { shortNames: d.shortNames } : {}),
    ...(d.categories?.length ? { categories: d.categories } : {}),
    ...(hash ? { storageVersionHash: hash } : {}),
  };
}

function apiSubresources(d: ResourceDefinition): APIResource[] {
  return (d.subresources ?? []).map((s) => ({
    name: `${d.resource}/${s.name}`, singularName: '', namespaced: d.namespaced,
    ...(s.group !== undefined ? { group: s.group, version: s.version } : {}), kind: s.kind, verbs: s.verbs,
  }));
}

/** The installer registers paths in sorted order, so a group version's resources come sorted by name. */
function apiResources(set: ServedResources, group: string, version: string): APIResource[] {
  return set.resourcesIn(group, version).flatMap((d) => [apiResource(d), ...apiSubresources(d)])
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** APIResourceList for /api/v1 and /apis/{group}/{version}; the legacy core list has no apiVersion. */
export function resourceList(set: ServedResources, group: string, version: string) {
  if (set.resourcesIn(group, version).length === 0) return undefined;
  return {
    kind: 'APIResourceList', ...(group ? { apiVersion: 'v1' } : {}), groupVersion: gvString({ group, version }),
    resources: apiResources(set, group, version),
  };
}

function apiGroup(group: string, versions: readonly string[]) {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

/**
 * One group of aggregated discovery, made from the legacy lists as kube's
 * ConvertGroupVersionIntoToDiscovery makes it: a responseKind names a group
 * and version only where the APIResource does (a Scale, an Eviction).
 */
function discoveryGroup(set: ServedResources, group: string, versions: readonly string[]) {
  return {
    metadata: group ? { name: group } : {},
    versions: versions.map((version) => {
      const list = apiResources(set, group, version);
      const kindOf = (r: APIResource) => ({ group: r.group ?? '', kind: r.kind, version: r.version ?? '' });
      const resources = list.filter((r) => !r.name.includes('/')).map((r) => ({
        resource: r.name, responseKind: kindOf(r), scope: r.namespaced ? 'Namespaced' : 'Cluster', singularResource: r.singularName, verbs: r.verbs,
        ...(r.shortNames ? { shortNames: r.shortNames } : {}),
        ...(r.categories ? { categories: r.categories } : {}),
        subresources: [] as { subresource: string; responseKind: ReturnType<typeof kindOf>; verbs: string[] }[],
      }));
      for (const r of list) {
        const [parent, sub] = r.name.split('/');
        if (sub !== undefined) resources.find((x) => x.resource === parent)!.subresources.push({ subresource: sub, responseKind: kindOf(r), verbs: r.verbs });
      }
      return {
        version, resources: resources.map(({ subresources, ...r }) => (subresources.length ? { ...r, subresources } : r)), freshness: 'Current',
      };
    }),
  };
}

/**
 * Aggregated discovery needs this exact Content-Type, or clients read an empty list. A client
 * that negotiates v2beta1 gets kube 1.35's bare 404 (AggregatedDiscoveryRemoveBetaType, locked on).
 */
function aggregated(c: Context, version: 'v2' | 'v2beta1', items: unknown[]) {
  if (version === 'v2beta1') return c.body(null, 404, { Vary: 'Accept' });
  const body = JSON.stringify({ kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items });
  return c.body(body, 200, {
    'Content-Type': `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`,
    Vary: 'Accept',
  });
}

/** The built-in kinds and the custom resources established right now. */
export async function servedNow(c: Context): Promise<ServedResources> {
  return served((await customDefinitions(restContext(c))).map((v) => v.def));
}

export function discoveryRoutes(app: import('hono').Hono<any>) {
  app.get('/api', (c) => {
    const v = wantsAggregatedDiscovery(c.req.header('accept'));
    const set = served();
    const core = set.groups.find((g) => g.group === '')!;
    if (v) return aggregated(c, v, [discoveryGroup(set, '', core.versions)]);
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    return c.json({ kind: 'APIVersions', versions: core.versions, serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }] }, 200, { Vary: 'Accept' });
  });
  app.get('/apis', async (c) => {
    const set = await servedNow(c);
    const named = set.groups.filter((g) => g.group !== '');
    const v = wantsAggregatedDiscovery(c.req.header('accept'));
    if (v) return aggregated(c, v, named.map((g) => discoveryGroup(set, g.group, g.versions)));
    return c.json({ kind: 'APIGroupList', apiVersion: 'v1', groups: named.map((g) => apiGroup(g.group, g.versions)) }, 200, { Vary: 'Accept' });
  });
  app.get('/api/v1', (c) => c.json(resourceList(served(), '', 'v1')));
  app.get('/apis/:group', async (c) => {
    const g = (await servedNow(c)).groups.find((x) => x.group === c.req.param('group') && x.group !== '');
    if (!g) throw notFoundPath();
    return c.json({ kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g.group, g.versions) });
  });
  app.get('/apis/:group/:version', async (c) => {
    const list = resourceList(await servedNow(c), c.req.param('group'), c.req.param('version'));
    if (!list || c.req.param('group') === '') throw notFoundPath();
    return c.json(list);
  });
}
