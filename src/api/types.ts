// What every route handler sees: the Worker bindings, and what the filters
// put on the request: the user it acts as and what audit will record.
import type { Env } from '../store/client';
import type { UserInfo } from '../authn/user';
import type { Attributes, Decision } from '../authz';

export interface AuditRecord {
  id: string;
  /** As authenticated (before impersonation). */
  user?: UserInfo;
  impersonatedUser?: UserInfo;
  attrs?: Attributes;
  decision?: Decision;
  /** What admission added (a policy's audit annotations). */
  annotations?: Record<string, string>;
}

export type ApiEnv = {
  Bindings: Env;
  Variables: {
    user: UserInfo;
    audit: AuditRecord;
    /** Set by a handler whose body it writes itself: settles when that stream ends. */
    streamEnded?: Promise<void>;
  };
};
