// The DefaultStorageClass admission plugin: a claim that names no class
// (the field absent, not "") gets the cluster's default StorageClass, the
// newest one when more than one is marked default, as kube-apiserver does.
import type { KObject } from '../../resources/types';
import { lookup } from '../../resources/registry';
import type { RestContext } from '../context';
import { listObjects } from '../read';
import type { ResourceHooks } from './types';

export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

const isDefault = (sc: KObject) =>
  sc.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true' || sc.metadata?.annotations?.[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';

export async function defaultStorageClass(ctx: RestContext): Promise<string | undefined> {
  const def = lookup('storage.k8s.io', 'v1', 'storageclasses');
  if (!def) return undefined;
  const page = await listObjects(ctx, { verb: 'list', def, legacyWatch: false }, {
    labelSelector: '', fieldSelector: '', resourceVersion: '', resourceVersionMatch: '', limit: 0, continue: '', allowWatchBookmarks: false,
  });
  const defaults = page.items.map((t) => JSON.parse(t) as KObject).filter(isDefault);
  defaults.sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)) || String(a.metadata.name).localeCompare(String(b.metadata.name)));
  return defaults[0]?.metadata.name;
}

export const claimHooks: ResourceHooks = {
  async mutate(ctx, obj) {
    const spec = obj.spec;
    if (!spec || typeof spec !== 'object' || spec.storageClassName !== undefined) return;
    // The beta annotation also names a class; a claim that uses it has chosen.
    if (obj.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] !== undefined) return;
    const name = await defaultStorageClass(ctx);
    if (name) spec.storageClassName = name;
  },
};
