// The root CA publisher (kube's pkg/controller/certificates/rootcacertpublisher):
// every active namespace has the ConfigMap kube-root-ca.crt holding the CA
// bundle that verifies the API server, put back when deleted and reset when
// edited. Pods read it to trust the server they talk to.
import type { KObject } from '../resources/types';
import { lookup, storagePrefix } from '../resources/registry';
import type { Informer, SharedInformers } from './client/informer';
import type { ControllerClient } from './client/client';
import { WorkQueue } from './client/workqueue';
import { isStatusCode, type Reconciler } from './client/controller';
import { isActiveNamespace } from './serviceaccounts';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';
const namespacesDef = () => lookup('', 'v1', 'namespaces')!;
const configMapsDef = () => lookup('', 'v1', 'configmaps')!;

export class RootCACertPublisher implements Reconciler {
  readonly name = 'root-ca-cert-publisher';
  readonly queue = new WorkQueue();
  private readonly namespaces: Informer;
  private readonly configMaps: Informer;

  /** `rootCA`: the PEM bundle to publish (kube-controller-manager's --root-ca-file). */
  constructor(informers: SharedInformers, private readonly client: ControllerClient, private readonly rootCA: () => Promise<string>) {
    this.namespaces = informers.for(storagePrefix(namespacesDef()));
    this.configMaps = informers.for(storagePrefix(configMapsDef()));
    this.namespaces.on(({ obj }) => { if (obj) this.queue.add(obj.metadata.name); });
    this.configMaps.on(({ obj, old }) => {
      const cm = obj ?? old!;
      if (cm.metadata.name === ROOT_CA_CONFIGMAP) this.queue.add(cm.metadata.namespace);
    });
  }

  async reconcile(namespace: string): Promise<void> {
    if (!isActiveNamespace(this.namespaces.get(undefined, namespace))) return;
    const data = { 'ca.crt': await this.rootCA() };
    const cur = this.configMaps.get(namespace, ROOT_CA_CONFIGMAP);
    try {
      if (!cur) {
        const cm: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { 'kubernetes.io/description': DESCRIPTION } }, data };
        await this.client.create(configMapsDef(), cm);
      } else if (!sameData(cur.data, data) || cur.metadata.annotations?.['kubernetes.io/description'] !== DESCRIPTION) {
        const annotations = { ...cur.metadata.annotations, 'kubernetes.io/description': DESCRIPTION };
        await this.client.update(configMapsDef(), { ...cur, metadata: { ...cur.metadata, annotations }, data, binaryData: undefined });
      }
    } catch (e) {
      // 409 on create: the cache was behind (an update's 409 is retried by the queue). 403/404: the namespace is going.
      if ((!cur && isStatusCode(e, 409)) || isStatusCode(e, 403) || isStatusCode(e, 404)) return;
      throw e;
    }
  }
}

function sameData(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const keys = Object.keys(a ?? {});
  return keys.length === Object.keys(b).length && keys.every((k) => a![k] === b[k]);
}
