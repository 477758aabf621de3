// Validating admission: the checks kube-apiserver runs on the final object
// of a write, after its kind's own validation and before it is stored.
import type { AdmissionRequest, RestContext } from '../rest/context';
import { admitRBAC } from '../authz/escalation';
import { admitNodeRestriction } from './noderestriction';
import { admitCertificates } from './certificates';
import { admitPolicies } from './policy';

export async function admit(ctx: RestContext, req: AdmissionRequest): Promise<void> {
  await admitNodeRestriction(ctx, req);
  await admitRBAC(ctx, req);
  await admitCertificates(ctx, req);
  await admitPolicies(ctx, req);
}
