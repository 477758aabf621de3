// The csrapproving controller (kube's sarapprove): a kubelet client request
// is approved when its requester may create certificatesigningrequests/
// nodeclient (a new node with a bootstrap token) or, for a node renewing
// its own credential, certificatesigningrequests/selfnodeclient. Anything
// else waits for a person (`kubectl certificate approve`).
import type { KObject } from '../resources/types';
import { lookup } from '../resources/registry';
import type { RestContext } from '../rest/context';
import { guaranteedUpdate } from '../rest/write';
import { SERVER_WRITE } from '../request/options';
import { authorize, resourceAttributes } from '../authz';
import { isApproved, isDenied, isFailed } from '../resources/defs/certificates/certificatesigningrequests';
import { KUBELET_CLIENT_SIGNER, kubeletClientProblem, parseCertificateRequest, requestPem } from '../certificates/x509';
import { ignoreGoneOrConflict, listAll, time } from './util';

export interface CSRApprovingPass { approved: string[]; errors: string[] }

const APPROVED = { type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.' };

/** The SubjectAccessReview sarapprove makes for the request's requester. */
async function requesterMay(ctx: RestContext, csr: KObject, subresource: string): Promise<boolean> {
  const s = csr.spec;
  const user = { username: s.username ?? '', uid: s.uid, groups: s.groups ?? [], extra: s.extra };
  return (await authorize(ctx, resourceAttributes(user, 'create', { apiGroup: 'certificates.k8s.io', resource: 'certificatesigningrequests', subresource }))).allowed;
}

export async function runCSRApproving(ctx: RestContext, now: number): Promise<CSRApprovingPass> {
  const def = lookup('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
  const pass: CSRApprovingPass = { approved: [], errors: [] };
  for (const csr of await listAll(ctx, def, { fieldSelector: `spec.signerName=${KUBELET_CLIENT_SIGNER}` })) {
    if (isApproved(csr) || isDenied(csr) || isFailed(csr)) continue;
    let info;
    try { info = parseCertificateRequest(requestPem(csr)); } catch { continue; }
    if (kubeletClientProblem(info, csr.spec.usages ?? [])) continue;
    const self = info.commonName === csr.spec.username;
    if (!(await requesterMay(ctx, csr, 'nodeclient')) && !(self && await requesterMay(ctx, csr, 'selfnodeclient'))) continue;
    try {
      await ignoreGoneOrConflict(guaranteedUpdate(ctx, { def }, csr.metadata.name, { ...SERVER_WRITE, fieldManager: 'certificate-controller', subresource: 'approval', resourceVersion: csr.metadata.resourceVersion }, (cur) => {
        const next = structuredClone(cur);
        next.status = { ...(cur.status ?? {}), conditions: [...(cur.status?.conditions ?? []), { ...APPROVED, lastUpdateTime: time(now), lastTransitionTime: time(now) }] };
        return next;
      }));
      pass.approved.push(csr.metadata.name);
    } catch (e) {
      pass.errors.push(`${csr.metadata.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return pass;
}
