// The csrsigning controller: approved requests for the kubernetes.io client
// signers get a certificate from the cluster signing CA, or a Failed
// condition when the request does not fit the signer (kube's
// SignerValidationFailure). Requests for other signers are left to them.
import type { KObject } from '../resources/types';
import { lookup } from '../resources/registry';
import type { RestContext } from '../rest/context';
import { guaranteedUpdate } from '../rest/write';
import { SERVER_WRITE } from '../request/options';
import { isApproved, isFailed } from '../resources/defs/certificates/certificatesigningrequests';
import { APISERVER_CLIENT_SIGNER, KUBELET_CLIENT_SIGNER, apiserverClientProblem, kubeletClientProblem, parseCertificateRequest, requestPem } from '../certificates/x509';
import { signRequest, signingCA } from '../certificates/ca';
import { ignoreGoneOrConflict, listAll, time } from './util';

export interface CSRSigningPass { issued: string[]; failed: string[]; errors: string[] }

const SIGNERS = new Set([KUBELET_CLIENT_SIGNER, APISERVER_CLIENT_SIGNER]);

export async function runCSRSigning(ctx: RestContext, now: number): Promise<CSRSigningPass> {
  const def = lookup('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
  const pass: CSRSigningPass = { issued: [], failed: [], errors: [] };
  for (const csr of await listAll(ctx, def)) {
    const signer = csr.spec?.signerName;
    if (!SIGNERS.has(signer) || !isApproved(csr) || isFailed(csr) || csr.status?.certificate) continue;
    const usages: string[] = csr.spec.usages ?? [];
    let status: (cur: KObject) => KObject;
    try {
      const info = parseCertificateRequest(requestPem(csr));
      const problem = signer === KUBELET_CLIENT_SIGNER ? kubeletClientProblem(info, usages) : apiserverClientProblem(usages);
      if (problem) {
        const failed = { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: problem, lastUpdateTime: time(now), lastTransitionTime: time(now) };
        status = (cur) => ({ ...cur.status, conditions: [...(cur.status?.conditions ?? []), failed] });
        pass.failed.push(csr.metadata.name);
      } else {
        const pem = await signRequest(await signingCA(ctx), info, usages, csr.spec.expirationSeconds);
        status = (cur) => ({ ...cur.status, certificate: btoa(pem) });
        pass.issued.push(csr.metadata.name);
      }
      await ignoreGoneOrConflict(guaranteedUpdate(ctx, { def }, csr.metadata.name, { ...SERVER_WRITE, fieldManager: 'certificate-controller', subresource: 'status', resourceVersion: csr.metadata.resourceVersion }, (cur) => ({ ...cur, status: status(cur) })));
    } catch (e) {
      pass.errors.push(`${csr.metadata.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return pass;
}
