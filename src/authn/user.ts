// Who a request is, as kube's user.Info: name, uid, groups and extra.

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export const SYSTEM_MASTERS = 'system:masters';
export const AUTHENTICATED = 'system:authenticated';
export const UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS = 'system:anonymous';

/** Who a request without credentials would be (anonymous access is off: such requests get 401, and audit names them so). */
export const ANONYMOUS_USER: UserInfo = { username: ANONYMOUS, groups: [UNAUTHENTICATED] };

/** The user the insecure loopback port acts as (kube's old insecure port skipped authentication and authorization). */
export const LOOPBACK_ADMIN: UserInfo = { username: 'system:admin', groups: [SYSTEM_MASTERS, AUTHENTICATED] };

/** Every authenticated user is also in system:authenticated (kube's AuthenticatedGroupAdder). */
export function withAuthenticatedGroup(u: UserInfo): UserInfo {
  if (u.groups.includes(AUTHENTICATED) || u.username === ANONYMOUS) return u;
  return { ...u, groups: [...u.groups, AUTHENTICATED] };
}
