// Impersonation (Impersonate-User, -Group, -Uid, -Extra-*): a user RBAC lets
// `impersonate` the named users, groups, uids and extras acts as them, as
// kube's impersonation filter does. Everything after it sees the
// impersonated user.
import type { RestContext } from '../rest/context';
import type { UserInfo } from '../authn/user';
import { AUTHENTICATED, ANONYMOUS } from '../authn/user';
import { authorize, forbiddenError, resourceAttributes } from '../authz';
import type { ResourceTarget } from '../authz/attributes';
import { badRequest } from '../status/status';

const SA_PREFIX = 'system:serviceaccount:';

/** Undefined when the request impersonates no one. */
export async function impersonate(ctx: RestContext, requester: UserInfo, headers: Headers): Promise<UserInfo | undefined> {
  const username = headers.get('impersonate-user');
  const groups = headers.has('impersonate-group') ? headers.get('impersonate-group')!.split(',').map((g) => g.trim()).filter((g) => g !== '') : [];
  const uid = headers.get('impersonate-uid');
  const extra: Record<string, string[]> = {};
  headers.forEach((value, name) => {
    if (!name.startsWith('impersonate-extra-')) return;
    const key = decodeURIComponent(name.slice('impersonate-extra-'.length));
    extra[key] = [...(extra[key] ?? []), ...value.split(',').map((v) => v.trim())];
  });
  if (username === null) {
    if (groups.length || uid !== null || Object.keys(extra).length) throw badRequest(`requested [${[...groups.map((g) => `{Group ${g}}`), ...(uid !== null ? [`{UID ${uid}}`] : [])].join(' ')}] without impersonating a user`);
    return undefined;
  }
  const check = async (target: ResourceTarget) => {
    const attrs = resourceAttributes(requester, 'impersonate', target);
    const d = await authorize(ctx, attrs);
    if (!d.allowed) throw forbiddenError(attrs, d.reason);
  };
  const impersonated: UserInfo = { username, groups: [...groups] };
  if (username.startsWith(SA_PREFIX) && username.split(':').length === 4) {
    const [, , namespace, name] = username.split(':');
    await check({ apiGroup: '', resource: 'serviceaccounts', namespace, name });
    impersonated.groups.push('system:serviceaccounts', `system:serviceaccounts:${namespace}`);
  } else {
    await check({ apiGroup: '', resource: 'users', name: username });
  }
  for (const g of groups) await check({ apiGroup: '', resource: 'groups', name: g });
  if (uid !== null) {
    await check({ apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
    impersonated.uid = uid;
  }
  for (const [k, values] of Object.entries(extra)) {
    for (const v of values) await check({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: k, name: v });
  }
  if (Object.keys(extra).length) impersonated.extra = extra;
  if (username !== ANONYMOUS && !impersonated.groups.includes(AUTHENTICATED)) impersonated.groups.push(AUTHENTICATED);
  return impersonated;
}
