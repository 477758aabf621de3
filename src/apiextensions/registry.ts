// The custom half of the resource table: established CRDs read from the
// store and made into definitions (./definition.ts). Every request for a
// custom resource reads its CRD (one get by name, so a change made through
// another isolate is seen at once); what is built from a CRD is kept per
// isolate until the CRD's resourceVersion moves.
import type { KObject, ResourceDefinition } from '../resources/types';
import { lookup } from '../resources/registry';
import type { RestContext } from '../rest/context';
import { listAll, readObject } from '../rest/read';
import { customResourceVersions, type CustomResourceVersion } from './definition';
import { GROUP, type CustomResourceDefinition } from './types';
import { ruleValidator } from './cel/validator';

export const crdDefinition = () => lookup(GROUP, 'v1', 'customresourcedefinitions')!;

const built = new Map<string, { rv: string; versions: CustomResourceVersion[] }>();

export const conditionTrue = (crd: KObject, type: string) => (crd.status?.conditions ?? []).some((c: KObject) => c.type === type && c.status === 'True');

/** The served versions of a CRD, once it is established (a CRD that is not is served by nobody). */
export function versionsOf(crd: CustomResourceDefinition): CustomResourceVersion[] {
  if (!conditionTrue(crd, 'Established')) return [];
  const name = crd.metadata.name as string;
  const rv = `${crd.metadata.uid}/${crd.metadata.resourceVersion}`;
  const cached = built.get(name);
  if (cached?.rv === rv) return cached.versions;
  const versions = customResourceVersions(crd, ruleValidator);
  const terminating = !!crd.metadata.deletionTimestamp;
  for (const v of versions) if (terminating) v.def.terminating = true;
  if (built.size > 500) built.clear();
  built.set(name, { rv, versions });
  return versions;
}

/** The definition serving /apis/{group}/{version}/{resource}, when an established CRD makes one. */
export async function resolveCustom(ctx: RestContext, group: string, version: string, resource: string): Promise<ResourceDefinition | undefined> {
  if (!group.includes('.') || !resource) return undefined;
  const found = await readObject(ctx, { def: crdDefinition() }, `${resource}.${group}`);
  if (!found) return undefined;
  return versionsOf(found.obj as CustomResourceDefinition).find((v) => v.def.version === version)?.def;
}

/** Every CRD in the store. */
export const listCRDs = async (ctx: RestContext) => (await listAll(ctx, crdDefinition())) as CustomResourceDefinition[];

/** The definitions of every served custom resource version, for discovery, OpenAPI and namespace cleanup. */
export async function customDefinitions(ctx: RestContext): Promise<CustomResourceVersion[]> {
  return (await listCRDs(ctx)).flatMap(versionsOf);
}
