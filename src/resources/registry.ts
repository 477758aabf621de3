// The one table of served resources. Routing, discovery, OpenAPI, tables and
// storage all read it; adding a kind means adding its definition here.
import type { ResourceDefinition, Verb } from './types';
import { ALL_VERBS } from './types';
import { DEFINITIONS } from './defs';

export interface GroupVersion { group: string; version: string }

export const gvString = (d: GroupVersion) => (d.group ? `${d.group}/${d.version}` : d.version);

const byPath = new Map<string, ResourceDefinition>();
for (const d of DEFINITIONS) {
  const key = `${d.group}/${d.version}/${d.resource}`;
  if (byPath.has(key)) throw new Error(`resource ${key} defined twice`);
  byPath.set(key, d);
}

export function lookup(group: string, version: string, resource: string): ResourceDefinition | undefined {
  return byPath.get(`${group}/${version}/${resource}`);
}

export const definitions = (): readonly ResourceDefinition[] => DEFINITIONS;

export const verbsOf = (d: ResourceDefinition): Verb[] => d.verbs ?? ALL_VERBS;

/** The kind of a list of `d`'s objects. */
export const listKindOf = (d: ResourceDefinition) => d.listKind ?? `${d.kind}List`;

/**
 * kube-apiserver's APIService priorities (pkg/controlplane/apiserver/aggregator.go and
 * cmd/kube-apiserver/app/aggregator.go, 1.35): a group's place in discovery, and a version's
 * place within its group (the first is the preferred version).
 */
const PRIORITIES: Record<string, { group: number; version: number }> = {
  'v1': { group: 18000, version: 1 },
  'apps/v1': { group: 17800, version: 15 },
  'events.k8s.io/v1': { group: 17750, version: 15 },
  'authentication.k8s.io/v1': { group: 17700, version: 15 },
  'authorization.k8s.io/v1': { group: 17600, version: 15 },
  'autoscaling/v2': { group: 17500, version: 30 },
  'autoscaling/v1': { group: 17500, version: 15 },
  'batch/v1': { group: 17400, version: 15 },
  'certificates.k8s.io/v1': { group: 17300, version: 15 },
  'networking.k8s.io/v1': { group: 17200, version: 15 },
  'policy/v1': { group: 17100, version: 15 },
  'rbac.authorization.k8s.io/v1': { group: 17000, version: 15 },
  'storage.k8s.io/v1': { group: 16800, version: 15 },
  'admissionregistration.k8s.io/v1': { group: 16700, version: 15 },
  'apiextensions.k8s.io/v1': { group: 16700, version: 15 },
  'scheduling.k8s.io/v1': { group: 16600, version: 15 },
  'coordination.k8s.io/v1': { group: 16500, version: 15 },
  'node.k8s.io/v1': { group: 16300, version: 15 },
  'discovery.k8s.io/v1': { group: 16200, version: 15 },
  'flowcontrol.apiserver.k8s.io/v1': { group: 16100, version: 21 },
  // metrics-server's APIService (its manifests' groupPriorityMinimum and versionPriority): after custom groups
  'metrics.k8s.io/v1beta1': { group: 100, version: 100 },
};
const priority = (gv: GroupVersion) => PRIORITIES[gvString(gv)] ?? { group: 0, version: 0 };

/**
 * kube's version.CompareKubeAwareVersionStrings, as the CRD discovery controller orders a
 * custom group's versions: GA before beta before alpha, higher numbers first, then others by name.
 */
export function compareKubeAwareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    return m ? { major: Number(m[1]), stage: m[2] === 'alpha' ? 1 : m[2] === 'beta' ? 2 : 3, minor: Number(m[3] ?? 0) } : undefined;
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa && pb) return pb.stage - pa.stage || pb.major - pa.major || pb.minor - pa.minor;
  if (pa) return -1;
  if (pb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The custom resources' group priority in discovery (apiextensions' CRD registration controller). */
const CUSTOM_GROUP_PRIORITY = 1000;

export interface ServedResources {
  /** Groups in discovery order, as the aggregator sorts APIServices: by group priority, then name; versions preferred first. */
  groups: readonly { group: string; versions: string[] }[];
  resourcesIn(group: string, version: string): ResourceDefinition[];
}

/** The built-in kinds plus `custom` (the established CRDs' versions). */
export function served(custom: readonly ResourceDefinition[] = []): ServedResources {
  if (custom.length === 0) return BUILT_IN;
  const all = [...DEFINITIONS, ...custom];
  return { groups: discoveryOrder(all), resourcesIn: (group, version) => all.filter((d) => d.group === group && d.version === version) };
}

function discoveryOrder(defs: readonly ResourceDefinition[]): { group: string; versions: string[] }[] {
  const out: { group: string; versions: string[] }[] = [];
  for (const d of defs) {
    let g = out.find((x) => x.group === d.group);
    if (!g) out.push((g = { group: d.group, versions: [] }));
    if (!g.versions.includes(d.version)) g.versions.push(d.version);
  }
  const builtIn = (group: string) => DEFINITIONS.some((d) => d.group === group);
  const top = (g: { group: string; versions: string[] }) => (builtIn(g.group) ? Math.max(...g.versions.map((version) => priority({ group: g.group, version }).group)) : CUSTOM_GROUP_PRIORITY);
  for (const g of out) {
    if (builtIn(g.group)) g.versions.sort((a, b) => priority({ group: g.group, version: b }).version - priority({ group: g.group, version: a }).version);
    else g.versions.sort(compareKubeAwareVersions);
  }
  return out.sort((a, b) => top(b) - top(a) || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}

const BUILT_IN: ServedResources = {
  groups: discoveryOrder(DEFINITIONS),
  resourcesIn: (group, version) => DEFINITIONS.filter((d) => d.group === group && d.version === version),
};

/** The built-in groups in discovery order. */
export const groups = () => BUILT_IN.groups;
export const resourcesIn = (group: string, version: string) => BUILT_IN.resourcesIn(group, version);
export const isBuiltInGroup = (group: string) => DEFINITIONS.some((d) => d.group === group);

/** The key prefix a kind's objects live under in the store, etcd style: "/<group>/<resource>/". */
export const storagePrefix = (d: ResourceDefinition) => `/${d.group || 'core'}/${d.resource}/`;
