// The certificates admission plugins of kube-apiserver: CertificateApproval
// (approving or denying needs `approve` on the signer), CertificateSigning
// (issuing needs `sign` on the signer) and CertificateSubjectRestriction (no
// kube-apiserver-client certificate for system:masters).
import type { AdmissionRequest, RestContext } from '../rest/context';
import type { KObject } from '../resources/types';
import type { UserInfo } from '../authn/user';
import { forbidden } from '../status/status';
import { authorize, resourceAttributes } from '../authz';
import { APISERVER_CLIENT_SIGNER, parseCertificateRequest, requestPem } from '../certificates/x509';

const GROUP = 'certificates.k8s.io';
const approvalOf = (o: KObject | undefined) => JSON.stringify((o?.status?.conditions ?? []).filter((c: KObject) => c.type === 'Approved' || c.type === 'Denied').map((c: KObject) => [c.type, c.status]));

/** IsAuthorizedForSignerName: the verb on signers named exactly, or on the signer's `domain/*`. */
async function allowedForSigner(ctx: RestContext, user: UserInfo, verb: string, signer: string): Promise<boolean> {
  const names = [signer];
  if (signer.includes('/')) names.push(`${signer.slice(0, signer.indexOf('/'))}/*`);
  for (const name of names) {
    if ((await authorize(ctx, resourceAttributes(user, verb, { apiGroup: GROUP, resource: 'signers', name }))).allowed) return true;
  }
  return false;
}

export async function admitCertificates(ctx: RestContext, req: AdmissionRequest): Promise<void> {
  if (req.def.group !== GROUP || req.def.resource !== 'certificatesigningrequests' || !ctx.user) return;
  const signer: string = req.object.spec?.signerName ?? '';
  const q = { group: GROUP, resource: 'certificatesigningrequests' };
  if (req.operation === 'CREATE') {
    if (signer !== APISERVER_CLIENT_SIGNER) return;
    let organizations: string[] = [];
    try { organizations = parseCertificateRequest(requestPem(req.object)).organizations; } catch { return; }
    if (organizations.includes('system:masters')) throw forbidden(q, req.name, `use of ${APISERVER_CLIENT_SIGNER} signer with system:masters group is not allowed`);
    return;
  }
  if (req.subresource === 'approval' && approvalOf(req.object) !== approvalOf(req.oldObject)) {
    if (!(await allowedForSigner(ctx, ctx.user, 'approve', signer))) throw forbidden(q, req.name, `user not permitted to approve requests with signerName "${signer}"`);
  }
  if (req.subresource === 'status' && (req.object.status?.certificate ?? '') !== (req.oldObject?.status?.certificate ?? '')) {
    if (!(await allowedForSigner(ctx, ctx.user, 'sign', signer))) throw forbidden(q, req.name, `user not permitted to sign requests with signerName "${signer}"`);
  }
}
