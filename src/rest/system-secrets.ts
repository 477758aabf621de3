// Secrets the server keeps for itself in kube-system (the service-account
// signing key, the cluster signing CA): made on first use and stored like
// any object, so every isolate signs and verifies with the same keys.
import type { KObject } from '../resources/types';
import { lookup } from '../resources/registry';
import { ApiError } from '../status/status';
import { SERVER_WRITE } from '../request/options';
import type { RestContext } from './context';
import { createObject } from './write';
import { readObject } from './read';

const op = () => ({ def: lookup('', 'v1', 'secrets')!, namespace: 'kube-system' });

/** The stored Secret, or undefined when it was never made. */
export async function readSystemSecret(ctx: RestContext, name: string): Promise<KObject | undefined> {
  return (await readObject(ctx, op(), name))?.obj;
}

/**
 * The stored Secret, made from `make()` (type and data) when missing. When
 * two isolates race, the first to store it wins and both use that one.
 */
export async function ensureSystemSecret(ctx: RestContext, name: string, make: () => Promise<Pick<KObject, 'type' | 'data'>>): Promise<KObject> {
  const stored = await readSystemSecret(ctx, name);
  if (stored) return stored;
  try {
    await createObject(ctx, op(), { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'kube-system' }, ...(await make()) }, { ...SERVER_WRITE, fieldManager: 'kube-apiserver' });
  } catch (e) {
    if (!(e instanceof ApiError && e.status.code === 409)) throw e;
  }
  return (await readSystemSecret(ctx, name))!;
}
