// Helpers PersistentVolume and PersistentVolumeClaim share (pkg/apis/core/helper).
import type { KObject } from '../../types';
import type { Errors } from '../../validation';

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

/** GetAccessModesAsString: RWO,ROX,RWX,RWOP in that order, each once. */
export function accessModesString(modes: unknown): string {
  const list: string[] = Array.isArray(modes) ? modes : [];
  const short: [string, string][] = [['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP']];
  return short.filter(([m]) => list.includes(m)).map(([, s]) => s).join(',');
}

/** The storage class, from the beta annotation when present (GetPersistentVolume(Claim)Class). */
export const storageClassOf = (o: KObject): string => o.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? o.spec?.storageClassName ?? '';

export function validateAccessModes(e: Errors, modes: unknown, field: string, requiredDetail = '') {
  if (!Array.isArray(modes) || modes.length === 0) { e.required(field, requiredDetail); return; }
  for (const m of modes) if (!ACCESS_MODES.includes(m)) e.notSupported(field, m, ACCESS_MODES);
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) e.forbidden(field, 'may not use ReadWriteOncePod with other access modes');
}
