// The ValidatingAdmissionPolicy status controller: each policy's
// expressions type-checked against the kinds it matches, the warnings and the
// generation they are about written to its status, so `kubectl get vap -o
// yaml` shows a typo in a field name before any request trips over it.
import type { KObject, ResourceDefinition } from '../resources/types';
import { definitions, lookup, storagePrefix } from '../resources/registry';
import type { Informer, SharedInformers } from './client/informer';
import type { ControllerClient } from './client/client';
import { WorkQueue } from './client/workqueue';
import { isStatusCode, type Reconciler } from './client/controller';
import { matchedKinds, typeCheck } from '../admission/policy/typecheck';
import { crdDefinition, versionsOf } from '../apiextensions/registry';
import type { CustomResourceDefinition } from '../apiextensions/types';

const COMPONENT = 'validatingadmissionpolicy-status-controller';
const policiesDef = () => lookup('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicies')!;

export class AdmissionPolicyStatusController implements Reconciler {
  readonly name = COMPONENT;
  readonly queue = new WorkQueue();
  private readonly policies: Informer;

  constructor(informers: SharedInformers, private readonly client: ControllerClient) {
    this.policies = informers.for(storagePrefix(policiesDef()));
    this.policies.on(({ obj }) => { if (obj) this.queue.add(obj.metadata.name); });
  }

  async reconcile(name: string): Promise<void> {
    const policy = this.policies.get(undefined, name);
    if (!policy) return;
    const generation = policy.metadata.generation ?? 1;
    if (policy.status?.observedGeneration === generation) return;
    const custom = (await this.client.list(crdDefinition())).flatMap((c) => versionsOf(c as CustomResourceDefinition).map((v) => v.def));
    const find = (group: string, version: string, resource: string): ResourceDefinition | undefined =>
      lookup(group, version, resource) ?? custom.find((d) => d.group === group && d.version === version && d.resource === resource);
    const pk = policy.spec?.paramKind;
    const [pg, pv] = typeof pk?.apiVersion === 'string' && pk.apiVersion.includes('/') ? pk.apiVersion.split('/') : ['', pk?.apiVersion];
    const paramKind = pk ? [...definitions(), ...custom].find((d) => d.group === pg && d.version === pv && d.kind === pk.kind) : undefined;
    const warnings = typeCheck(policy, matchedKinds(policy, find), paramKind);
    const status: KObject = { ...(policy.status ?? {}), observedGeneration: generation, typeChecking: warnings.length ? { expressionWarnings: warnings } : {} };
    try {
      await this.client.updateStatus(policiesDef(), { ...policy, status });
    } catch (e) {
      if (!isStatusCode(e, 404)) throw e;
    }
  }
}
