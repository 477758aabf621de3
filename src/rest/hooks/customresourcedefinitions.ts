// A deleted CRD stays until its custom resources are gone: the delete marks it
// and adds the cleanup finalizer, as apiextensions-apiserver's CRD storage
// does, and the CRD controller (src/controllers/customresourcedefinitions.ts)
// does the rest.
import type { ResourceHooks } from './types';
import { rfc3339 } from '../objects';
import { CLEANUP_FINALIZER } from '../../apiextensions/types';

export const crdHooks: ResourceHooks = {
  terminate(obj) {
    if (obj.metadata.deletionTimestamp) return obj;
    const finalizers: string[] = obj.metadata.finalizers ?? [];
    const conditions = (obj.status?.conditions ?? []).filter((c: { type: string }) => c.type !== 'Terminating');
    conditions.push({
      type: 'Terminating', status: 'True', lastTransitionTime: rfc3339(Date.now()),
      reason: 'InstanceDeletionPending', message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
    });
    return {
      ...obj,
      metadata: { ...obj.metadata, deletionTimestamp: rfc3339(Date.now()), deletionGracePeriodSeconds: 0, finalizers: finalizers.includes(CLEANUP_FINALIZER) ? finalizers : [...finalizers, CLEANUP_FINALIZER] },
      status: { ...(obj.status ?? {}), conditions },
    };
  },
};
