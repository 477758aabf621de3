// ControllerRevisions (kube's pkg/controller/history), the revision history
// of StatefulSets and DaemonSets: each distinct pod template is stored once
// as a patch that restores it (what `kubectl rollout undo` applies), named
// after its owner and a hash of that patch, numbered in the order it was last
// rolled out to.
import type { KObject } from '../resources/types';
import { lookup } from '../resources/registry';
import { deepEqual } from '../resources/validation';
import type { ControllerClient } from './client/client';
import { isStatusCode } from './client/controller';
import { computeHash, byCreation } from './deploymentutil';
import { newControllerRef } from './podcontrol';
import { ignoreGoneOrConflict } from './util';

export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';
/** The label on pods naming the revision they were made from. */
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

export const revisionsDef = () => lookup('apps', 'v1', 'controllerrevisions')!;

/** getPatch: the owner's pod template as a strategic merge patch that replaces the template whole. */
export const revisionData = (owner: KObject): KObject =>
  ({ spec: { template: { ...structuredClone(owner.spec?.template ?? {}), $patch: 'replace' } } });

/** The pod template a revision restores. */
export function templateOf(revision: KObject): KObject {
  const t = structuredClone(revision.data?.spec?.template ?? {});
  delete t.$patch;
  return t;
}

/** Revisions oldest first: by number, then age, then name (history.SortControllerRevisions). */
export const sortRevisions = (revs: KObject[]) => [...revs].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0) || byCreation(a, b));

export const nextRevision = (revs: KObject[]) => revs.reduce((n, r) => Math.max(n, r.revision ?? 0), 0) + 1;

/** The history entries for the owner's present template, oldest first (FindEqualRevisions). */
export const equalRevisions = (revs: KObject[], data: KObject) => revs.filter((r) => deepEqual(r.data, data));

/**
 * The owner's revision for its present template: an equal one that exists
 * is renumbered to the newest (a rollback to it is a new rollout), otherwise
 * one is created. A name taken by a different revision is a hash collision:
 * `collisionCount` is raised and the caller stores it in the owner's status.
 */
export async function ensureRevision(client: ControllerClient, owner: KObject, revs: KObject[], status: { collisionCount?: number }): Promise<KObject> {
  const sorted = sortRevisions(revs);
  const data = revisionData(owner);
  const equal = equalRevisions(sorted, data);
  const next = nextRevision(sorted);
  if (equal.length) {
    const latest = equal[equal.length - 1];
    if (latest === sorted[sorted.length - 1]) return latest;
    return client.update(revisionsDef(), { ...structuredClone(latest), revision: next });
  }
  for (;;) {
    const hash = computeHash(data, status.collisionCount);
    const rev: KObject = {
      apiVersion: 'apps/v1', kind: 'ControllerRevision',
      metadata: {
        name: `${owner.metadata.name}-${hash}`, namespace: owner.metadata.namespace,
        labels: { ...(owner.spec?.template?.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
        ownerReferences: [newControllerRef(owner)],
      },
      data, revision: next,
    };
    try {
      return await client.create(revisionsDef(), rev);
    } catch (e) {
      if (!isStatusCode(e, 409)) throw e;
      const existing = await client.get(revisionsDef(), owner.metadata.namespace, rev.metadata.name);
      if (existing && deepEqual(existing.data, data) && existing.metadata.ownerReferences?.some((r: KObject) => r.uid === owner.metadata.uid)) {
        return client.update(revisionsDef(), { ...existing, revision: next });
      }
      status.collisionCount = (status.collisionCount ?? 0) + 1;
    }
  }
}

/** Deletes the oldest revisions no pod and no status names, keeping `limit` of them (truncateHistory). */
export async function truncateHistory(client: ControllerClient, revs: KObject[], live: Set<string>, limit: number) {
  const old = sortRevisions(revs).filter((r) => !live.has(r.metadata.name));
  for (const r of old.slice(0, Math.max(0, old.length - limit))) {
    await ignoreGoneOrConflict(client.delete(revisionsDef(), r.metadata.namespace, r.metadata.name, { preconditions: { uid: r.metadata.uid } }));
  }
}
