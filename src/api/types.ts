// What every route handler sees: the Worker bindings, and the authenticated
// user the filters put on the request.
import type { Env } from '../store/client';
import type { UserInfo } from '../authn/user';

export type ApiEnv = { Bindings: Env; Variables: { user: UserInfo } };
