// Bootstrap tokens ("abcdef.0123456789abcdef"), as kubeadm creates them:
// Secrets of type bootstrap.kubernetes.io/token named bootstrap-token-<id>
// in kube-system. A valid one authenticates as system:bootstrap:<id> in
// system:bootstrappers (and its auth-extra-groups), which is what a node
// needs to ask for its own credential.
import { lookup } from '../resources/registry';
import type { RestContext } from '../rest/context';
import { readObject } from '../rest/read';
import { digest } from './tokenfile';
import type { UserInfo } from './user';

const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const BOOTSTRAP_SECRET_TYPE = 'bootstrap.kubernetes.io/token';

const field = (data: Record<string, string> | undefined, key: string): string | undefined => {
  const v = data?.[key];
  if (v === undefined) return undefined;
  try { return atob(v); } catch { return undefined; }
};

export async function authenticateBootstrapToken(ctx: RestContext, token: string): Promise<UserInfo | undefined> {
  const m = TOKEN.exec(token);
  if (!m) return undefined;
  const [, id, secret] = m;
  const found = await readObject(ctx, { def: lookup('', 'v1', 'secrets')!, namespace: 'kube-system' }, `bootstrap-token-${id}`);
  const s = found?.obj;
  if (!s || s.type !== BOOTSTRAP_SECRET_TYPE || s.metadata.deletionTimestamp) return undefined;
  const data = s.data as Record<string, string> | undefined;
  const stored = field(data, 'token-secret') ?? '';
  const [a, b] = await Promise.all([digest(stored), digest(secret)]);
  if (!crypto.subtle.timingSafeEqual(a, b) || field(data, 'token-id') !== id) return undefined;
  if (field(data, 'usage-bootstrap-authentication') !== 'true') return undefined;
  const expiration = field(data, 'expiration');
  if (expiration !== undefined && !(Date.parse(expiration) > Date.now())) return undefined;
  const extra = (field(data, 'auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '');
  // Extra groups outside system:bootstrappers: make the whole token invalid, as kube does.
  if (extra.some((g) => !/^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/.test(g))) return undefined;
  return { username: `system:bootstrap:${id}`, groups: ['system:bootstrappers', ...extra] };
}
