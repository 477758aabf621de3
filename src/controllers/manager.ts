// The informer-fed controllers of one Controllers instance (what
// kube-controller-manager runs for workloads): shared informers, one work
// queue and reconcile function per controller. A fresh instance starts with
// empty caches, so its first pass lists everything and every object is
// looked at once: restarts lose nothing because all state is in the store.
import type { ControllerEnv } from './env';
import type { RestContext } from '../rest/context';
import { restClient } from './client/client';
import { SharedInformers, type ObjectCache } from './client/informer';
import type { ResourceDefinition } from '../resources/types';
import { storagePrefix } from '../resources/registry';
import { processQueue, type Reconciler } from './client/controller';
import { REPLICA_SET, REPLICATION_CONTROLLER, ReplicaSetController } from './replicaset';
import { GarbageCollector } from './garbagecollector';
import { DeploymentController } from './deployment';
import { JobController } from './job';
import { StatefulSetController } from './statefulset';
import { DaemonSetController } from './daemonset';
import { CronJobController } from './cronjob';
import { PersistentVolumeController } from './persistentvolume';
import { ServiceAccountsController } from './serviceaccounts';
import { RootCACertPublisher } from './rootcacertpublisher';
import { DISRUPTION_COMPONENT, DisruptionController } from './disruption';
import { signingCA } from '../certificates/ca';
import { CustomResourceDefinitionController } from './customresourcedefinitions';
import { AdmissionPolicyStatusController } from './admissionpolicystatus';

/** How long one pass may spend on queued work before leaving the rest to the next. */
const PASS_BUDGET_MS = 20_000;

export interface WorkloadsPass {
  /** Changes the informers read. */
  changes: number;
  /** Keys reconciled, per controller. */
  processed: Record<string, number>;
  /** Keys still queued and due now (the pass ran out of time). */
  pending: number;
  errors: string[];
  /** When the earliest delayed key is due. */
  nextAt?: number;
}

/**
 * What verifies the API server: the CA the operator names (start:secure
 * passes its serving CA), else the cluster signing CA, which is at least a
 * CA of this cluster (a deployed Worker is served with a public certificate).
 */
async function rootCA(ctx: RestContext): Promise<string> {
  const named = (ctx.env as ControllerEnv).EDGEKUBE_ROOT_CA?.trim();
  return named ? `${named}\n` : `${(await signingCA(ctx)).cert.toString('pem')}\n`;
}

export class ControllerManager {
  private readonly informers: SharedInformers;
  private readonly reconcilers: Reconciler[];

  /** `alsoCache`: kinds the controllers outside this manager read whole each pass. */
  constructor(ctx: RestContext, alsoCache: ResourceDefinition[] = []) {
    this.informers = new SharedInformers(restClient(ctx, 'edgekube-informers'));
    for (const def of alsoCache) this.informers.for(storagePrefix(def));
    this.reconcilers = [
      new DeploymentController(this.informers, restClient(ctx, 'deployment-controller')),
      new ReplicaSetController(this.informers, restClient(ctx, REPLICA_SET.component), REPLICA_SET),
      new ReplicaSetController(this.informers, restClient(ctx, REPLICATION_CONTROLLER.component), REPLICATION_CONTROLLER),
      new StatefulSetController(this.informers, restClient(ctx, 'statefulset-controller')),
      new DaemonSetController(this.informers, restClient(ctx, 'daemonset-controller')),
      new CronJobController(this.informers, restClient(ctx, 'cronjob-controller')),
      new JobController(this.informers, restClient(ctx, 'job-controller')),
      new PersistentVolumeController(this.informers, restClient(ctx, 'persistentvolume-binder-controller')),
      new ServiceAccountsController(this.informers, restClient(ctx, 'service-account-controller')),
      new RootCACertPublisher(this.informers, restClient(ctx, 'root-ca-cert-publisher'), () => rootCA(ctx)),
      new DisruptionController(this.informers, restClient(ctx, DISRUPTION_COMPONENT)),
      new GarbageCollector(this.informers, restClient(ctx, 'garbage-collector')),
      new CustomResourceDefinitionController(this.informers, restClient(ctx, 'apiextensions-controller')),
      new AdmissionPolicyStatusController(this.informers, restClient(ctx, 'validatingadmissionpolicy-status-controller')),
    ];
  }

  /**
   * The caches brought up to date, for the controllers that read whole kinds
   * (their handlers here queue what the changes concern, as in any sync).
   */
  async caches(): Promise<ObjectCache> {
    await this.informers.sync();
    return this.informers;
  }

  /** Whether queued keys are due now. */
  due(now: number): boolean {
    return this.reconcilers.some((r) => { const at = r.queue.nextAt(now); return at !== undefined && at <= now; });
  }

  async pass(now: number): Promise<WorkloadsPass> {
    const result: WorkloadsPass = { changes: await this.informers.sync(), processed: {}, pending: 0, errors: [] };
    const deadline = Date.now() + PASS_BUDGET_MS;
    for (const r of this.reconcilers) {
      const run = await processQueue(r, now, deadline);
      result.processed[r.name] = run.processed;
      result.errors.push(...run.errors);
    }
    for (const r of this.reconcilers) {
      const at = r.queue.nextAt(now);
      if (at === undefined) continue;
      if (at <= now) result.pending++;
      else result.nextAt = Math.min(result.nextAt ?? Infinity, at);
    }
    return result;
  }
}
