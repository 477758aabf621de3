import type { KObject, ResourceDefinition } from '../../types';
import { Errors } from '../../validation';
import { AGE_COLUMN, col, validateDataKeys } from '../shared';

// pkg/registry/core/secret, SetDefaults_Secret, the v1 conversion that folds
// stringData into data, ValidateSecret and printSecret.

/** Keys a typed secret must hold (ValidateSecret's per-type checks). */
const REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

const MAX_SECRET_SIZE = 1024 * 1024;

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Decoded byte length of a base64 string (what kube counts against the 1 MiB limit). */
const decodedLength = (b64: string) => Math.floor((b64.replace(/=+$/, '').length * 3) / 4);

export const secrets: ResourceDefinition = {
  group: '', version: 'v1', kind: 'Secret', resource: 'secrets', singular: 'secret',
  namespaced: true, hasGeneration: false,
  selectableFields: { type: (o) => o.type ?? '' },
  defaults(obj) {
    // stringData is write-only: the v1 -> internal conversion merges it into data (winning over
    // data for the same key) and it is never stored or returned.
    const sd = obj.stringData;
    if (sd && typeof sd === 'object' && !Array.isArray(sd)) {
      const data: KObject = obj.data && typeof obj.data === 'object' ? obj.data : {};
      for (const [k, v] of Object.entries(sd)) if (typeof v === 'string') data[k] = base64(v);
      obj.data = data;
    }
    delete obj.stringData;
  },
  validate(obj) {
    const e = new Errors();
    validateDataKeys(e, obj.data, 'data');
    let total = 0;
    for (const v of Object.values(obj.data ?? {})) if (typeof v === 'string') total += decodedLength(v);
    if (total > MAX_SECRET_SIZE) e.tooLong('data', MAX_SECRET_SIZE);
    for (const key of REQUIRED_KEYS[obj.type] ?? []) if (!(key in (obj.data ?? {}))) e.required(`data[${key}]`);
    return e.list;
  },
  validateUpdate(n, o) {
    const e = new Errors();
    e.immutable(n, o, ['type']);
    if (o.immutable === true) {
      if (n.immutable !== true) e.forbidden('immutable', 'field is immutable when `immutable` is set');
      e.immutable(n, o, ['data']);
    }
    return e.list;
  },
  columns: [
    col('Type', 'string', 'Used to facilitate programmatic handling of secret data.', (o) => o.type ?? ''),
    col('Data', 'string', 'Data contains the secret data.', (o) => Object.keys(o.data ?? {}).length),
    AGE_COLUMN,
  ],
};
