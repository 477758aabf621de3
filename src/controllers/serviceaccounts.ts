// The ServiceAccounts controller (kube's pkg/controller/serviceaccount): every
// active namespace has a `default` ServiceAccount, made again when deleted.
import type { KObject } from '../resources/types';
import { lookup, storagePrefix } from '../resources/registry';
import type { Informer, SharedInformers } from './client/informer';
import type { ControllerClient } from './client/client';
import { WorkQueue } from './client/workqueue';
import { isStatusCode, type Reconciler } from './client/controller';

const COMPONENT = 'serviceaccount-controller';
const namespacesDef = () => lookup('', 'v1', 'namespaces')!;
const accountsDef = () => lookup('', 'v1', 'serviceaccounts')!;
export const DEFAULT_ACCOUNTS = ['default'];

/** A namespace that exists and is not being deleted: the only kind these controllers fill. */
export const isActiveNamespace = (ns: KObject | undefined) => !!ns && !ns.metadata.deletionTimestamp && ns.status?.phase !== 'Terminating';

export class ServiceAccountsController implements Reconciler {
  readonly name = COMPONENT;
  readonly queue = new WorkQueue();
  private readonly namespaces: Informer;
  private readonly accounts: Informer;

  constructor(informers: SharedInformers, private readonly client: ControllerClient) {
    this.namespaces = informers.for(storagePrefix(namespacesDef()));
    this.accounts = informers.for(storagePrefix(accountsDef()));
    this.namespaces.on(({ obj }) => {
      if (obj) this.queue.add(obj.metadata.name);
    });
    this.accounts.on(({ obj, old }) => {
      if (!obj && old && DEFAULT_ACCOUNTS.includes(old.metadata.name)) this.queue.add(old.metadata.namespace);
    });
  }

  async reconcile(namespace: string): Promise<void> {
    if (!isActiveNamespace(this.namespaces.get(undefined, namespace))) return;
    for (const name of DEFAULT_ACCOUNTS) {
      if (this.accounts.get(namespace, name)) continue;
      const sa: KObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
      try {
        await this.client.create(accountsDef(), sa);
      } catch (e) {
        // Already there (the cache was behind), or the namespace began terminating meanwhile.
        if (isStatusCode(e, 409) || isStatusCode(e, 403) || isStatusCode(e, 404)) continue;
        throw e;
      }
    }
  }
}
