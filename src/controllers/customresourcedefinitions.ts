// apiextensions-apiserver's CRD controllers as one reconciler: naming (the
// names a CRD asks for are accepted unless another CRD of its group holds
// them: NamesAccepted), establishing (Established once accepted, which is
// when its resources are served) and the finalizer (a deleted CRD's custom
// resources are deleted, then customresourcecleanup.apiextensions.k8s.io is
// removed and the CRD goes).
import type { KObject } from '../resources/types';
import { storagePrefix } from '../resources/registry';
import type { Informer, SharedInformers } from './client/informer';
import type { ControllerClient } from './client/client';
import { WorkQueue } from './client/workqueue';
import { isStatusCode, type Reconciler } from './client/controller';
import { crdDefinition, versionsOf } from '../apiextensions/registry';
import { CLEANUP_FINALIZER, type CRDNames, type CustomResourceDefinition } from '../apiextensions/types';
import { rfc3339 } from '../rest/objects';

const COMPONENT = 'apiextensions-controller';
/** How soon a terminating CRD looks again at instances that are still going (their finalizers). */
const CLEANUP_RETRY_MS = 1000;

type Condition = { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string; lastTransitionTime?: string };

export class CustomResourceDefinitionController implements Reconciler {
  readonly name = COMPONENT;
  readonly queue = new WorkQueue();
  private readonly crds: Informer;

  constructor(informers: SharedInformers, private readonly client: ControllerClient) {
    this.crds = informers.for(storagePrefix(crdDefinition()));
    // a change of one CRD may free or take names another one waits for
    this.crds.on(({ obj, old }) => {
      const group = (obj ?? old)?.spec?.group;
      for (const c of this.crds.list()) if (c.spec?.group === group) this.queue.add(c.metadata.name);
    });
  }

  async reconcile(name: string): Promise<number | void> {
    const crd = this.crds.get(undefined, name) as CustomResourceDefinition | undefined;
    if (!crd) return;
    if (crd.metadata.deletionTimestamp) return this.cleanUp(crd);
    const { names, conditions } = this.namesAndConditions(crd);
    const status = crd.status ?? {};
    const next = mergeConditions(status.conditions ?? [], conditions);
    if (JSON.stringify(names) === JSON.stringify(status.acceptedNames) && JSON.stringify(next) === JSON.stringify(status.conditions ?? [])) return;
    await this.writeStatus(crd, { ...status, acceptedNames: names, conditions: next });
  }

  private async writeStatus(crd: CustomResourceDefinition, status: KObject) {
    try {
      await this.client.updateStatus(crdDefinition(), { ...crd, status });
    } catch (e) {
      if (!isStatusCode(e, 404)) throw e;
    }
  }

  /** What the naming and establishing controllers decide, in one step. */
  private namesAndConditions(crd: CustomResourceDefinition): { names: CRDNames; conditions: Condition[] } {
    const resources = new Set<string>();
    const kinds = new Set<string>();
    for (const other of this.crds.list() as CustomResourceDefinition[]) {
      if (other.metadata.name === crd.metadata.name || other.spec?.group !== crd.spec.group) continue;
      const a = other.status?.acceptedNames;
      if (!a) continue;
      for (const n of [a.plural, a.singular, ...(a.shortNames ?? [])]) if (n) resources.add(n);
      for (const n of [a.kind, a.listKind]) if (n) kinds.add(n);
    }
    const want = crd.spec.names;
    const had: Partial<CRDNames> = crd.status?.acceptedNames ?? {};
    const names: CRDNames = { ...had, plural: had.plural ?? '', kind: had.kind ?? '' };
    let conflict: Condition | undefined;
    const claim = (requested: string | undefined, accepted: string | undefined, used: Set<string>, reason: string, set: () => void) => {
      if (requested === accepted || !requested || !used.has(requested)) { set(); return; }
      conflict = { type: 'NamesAccepted', status: 'False', reason, message: `"${requested}" is already in use` };
    };
    claim(want.plural, had.plural, resources, 'PluralConflict', () => { names.plural = want.plural; });
    claim(want.singular, had.singular, resources, 'SingularConflict', () => { names.singular = want.singular; });
    const taken = (want.shortNames ?? []).filter((s) => !(had.shortNames ?? []).includes(s) && resources.has(s));
    if (taken.length) conflict = { type: 'NamesAccepted', status: 'False', reason: 'ShortNamesConflict', message: taken.map((s) => `"${s}" is already in use`).join(', ') };
    else if (want.shortNames) names.shortNames = want.shortNames;
    else delete names.shortNames;
    claim(want.kind, had.kind, kinds, 'KindConflict', () => { names.kind = want.kind; });
    claim(want.listKind, had.listKind, kinds, 'ListKindConflict', () => { names.listKind = want.listKind; });
    if (want.categories) names.categories = want.categories;
    else delete names.categories;
    const accepted: Condition = conflict ?? { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };
    const wasEstablished = (crd.status?.conditions ?? []).find((c) => c.type === 'Established');
    let established: Condition;
    // converting through a webhook is not done here: a CRD that would need it is not served rather than served wrong
    if (crd.spec.conversion?.strategy === 'Webhook' && crd.spec.versions.length > 1) {
      established = { type: 'Established', status: 'False', reason: 'WebhookConversionNotSupported', message: 'spec.conversion.strategy Webhook is not supported by this server: its custom resources are not served; use strategy None (versions differing only in apiVersion)' };
    } else if (wasEstablished?.status === 'True') established = wasEstablished as Condition;
    else if (accepted.status === 'True') established = { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' };
    else established = { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
    return { names, conditions: [accepted, established] };
  }

  /** The finalizer's work: every instance deleted, then the finalizer removed. */
  private async cleanUp(crd: CustomResourceDefinition): Promise<number | void> {
    if (!(crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) return;
    const served = versionsOf(crd);
    let remaining = 0;
    let failure: string | undefined;
    if (served.length) {
      const def = served[0].def;
      const items = await this.client.list(def);
      for (const item of items) {
        remaining++;
        if (item.metadata.deletionTimestamp) continue;
        try {
          await this.client.delete(def, item.metadata.namespace, item.metadata.name);
        } catch (e) {
          if (!isStatusCode(e, 404)) failure = e instanceof Error ? e.message : String(e);
        }
      }
      if (remaining) remaining = (await this.client.list(def)).length;
    }
    const status = crd.status ?? {};
    if (remaining > 0 || failure) {
      const terminating: Condition = failure
        ? { type: 'Terminating', status: 'True', reason: 'InstanceDeletionFailed', message: `could not issue all deletes: ${failure}` }
        : { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' };
      const conditions = mergeConditions(status.conditions ?? [], [terminating]);
      if (JSON.stringify(conditions) !== JSON.stringify(status.conditions)) await this.writeStatus(crd, { ...status, conditions });
      return Date.now() + CLEANUP_RETRY_MS;
    }
    const done: Condition = served.length
      ? { type: 'Terminating', status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' }
      : { type: 'Terminating', status: 'False', reason: 'NeverEstablished', message: 'resource was never established' };
    const current = await this.client.get(crdDefinition(), undefined, crd.metadata.name);
    if (!current) return;
    current.status = { ...(current.status ?? {}), conditions: mergeConditions(current.status?.conditions ?? [], [done]) };
    const updated = await this.client.updateStatus(crdDefinition(), current).catch((e) => { if (isStatusCode(e, 404)) return undefined; throw e; });
    if (!updated) return;
    updated.metadata.finalizers = (updated.metadata.finalizers ?? []).filter((f: string) => f !== CLEANUP_FINALIZER);
    try {
      await this.client.update(crdDefinition(), updated);
    } catch (e) {
      if (!isStatusCode(e, 404)) throw e;
    }
  }
}

/** Conditions keep their lastTransitionTime unless their status changes (SetCRDCondition). */
function mergeConditions(current: KObject[], updates: Condition[]): KObject[] {
  const out = current.map((c) => ({ ...c }));
  for (const u of updates) {
    const i = out.findIndex((c) => c.type === u.type);
    const old = i >= 0 ? out[i] : undefined;
    const time = old && old.status === u.status ? old.lastTransitionTime : rfc3339(Date.now());
    const next = { type: u.type, status: u.status, lastTransitionTime: time, reason: u.reason, message: u.message };
    if (i >= 0) out[i] = next;
    else out.push(next);
  }
  return out;
}
