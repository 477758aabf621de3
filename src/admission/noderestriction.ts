// NodeRestriction (kube's plugin/pkg/admission/noderestriction): a kubelet
// may write only its own Node and Lease, the status of pods bound to it, and
// mirror pods bound to it, and may request tokens only for its own pods.
import type { AdmissionRequest, RestContext } from '../rest/context';
import { forbidden } from '../status/status';
import { nodeNameOf } from '../authz/node';

const MIRROR = 'kubernetes.io/config.mirror';

export async function admitNodeRestriction(ctx: RestContext, req: AdmissionRequest): Promise<void> {
  const node = ctx.user && nodeNameOf(ctx.user);
  if (node === undefined) return;
  const q = { group: req.def.group, resource: req.def.resource };
  const refuse = (why: string) => forbidden(q, req.name, why);
  switch (`${req.def.group}/${req.def.resource}`) {
    case '/nodes':
      if (req.name !== node) throw refuse(`node "${node}" is not allowed to modify node "${req.name}"`);
      return;
    case 'coordination.k8s.io/leases':
      if (req.namespace !== 'kube-node-lease' || req.name !== node) throw refuse('can only access node lease with the same name as the requesting node');
      return;
    case '/pods': {
      if (req.operation === 'CREATE') {
        if (!req.object.metadata?.annotations?.[MIRROR]) throw refuse(`pod does not have "${MIRROR}" annotation, node "${node}" can only create mirror pods`);
        if (req.object.spec?.nodeName !== node) throw refuse(`node "${node}" can only create pods with spec.nodeName set to itself`);
        return;
      }
      if (req.subresource === 'status') {
        if (req.oldObject?.spec?.nodeName !== node) throw refuse(`node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
        return;
      }
      throw refuse(`node "${node}" can only update pod status`);
    }
  }
}
