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

/** Groups in discovery order: the order definitions first mention them (core first). */
export function groups(): { group: string; versions: string[] }[] {
  const out: { group: string; versions: string[] }[] = [];
  for (const d of DEFINITIONS) {
    let g = out.find((x) => x.group === d.group);
    if (!g) out.push((g = { group: d.group, versions: [] }));
    if (!g.versions.includes(d.version)) g.versions.push(d.version);
  }
  return out;
}

export const resourcesIn = (group: string, version: string) => DEFINITIONS.filter((d) => d.group === group && d.version === version);

/** The key prefix a kind's objects live under in the store, etcd style: "/<group>/<resource>/". */
export const storagePrefix = (d: ResourceDefinition) => `/${d.group || 'core'}/${d.resource}/`;
