// The controllers' Durable Object: one instance ("cluster") whose alarm runs
// the node lifecycle controller, the scheduler and the endpoints controllers.
// Nothing runs on incoming requests: a committed write of a kind a controller
// follows calls kick(), which only sets the alarm a moment ahead (kicks in
// between coalesce into one pass). While there are nodes the alarm also
// comes back every few seconds (lease expiry, evictions, resync). All state
// is in the store; memory holds only what is due, so a restarted object
// simply reconciles everything on its next alarm.
import { DurableObject } from 'cloudflare:workers';
import { abortForTest } from '../testing/faults';
import { ALL_CONTROLLERS, controllerOptions, type ControllerEnv, type ControllerName, type ControllerOptions } from './env';
import { NODE_LIFECYCLE_READS, runNodeLifecycle, type LifecyclePass } from './nodelifecycle';
import { runScheduler, SCHEDULER_READS, type SchedulerPass } from './scheduler';
import { ENDPOINTS_READS, runEndpoints, type EndpointsPass } from './endpoints';
import { runClusterRoleAggregation, type AggregationPass } from './clusterroleaggregation';
import { runCSRApproving, type CSRApprovingPass } from './csrapproving';
import { runCSRSigning, type CSRSigningPass } from './csrsigning';
import { ControllerManager, type WorkloadsPass } from './manager';
import type { RestContext } from '../rest/context';
import { interested } from './interest';
import { StoreRequestCounter, type StoreRequestCounts } from './storecount';

/** How soon after a kick the pass runs: writes arriving meanwhile share it. */
export const KICK_DELAY_MS = 50;
/** The periodic pass while nodes exist. */
export const PERIOD_MS = 5_000;
/** The endpoints controllers' full resync. */
export const RESYNC_MS = 30_000;
/** After a failed pass. */
const RETRY_MS = 2_000;

export interface ReconcileResult {
  ran: ControllerName[];
  nodelifecycle?: LifecyclePass;
  scheduler?: SchedulerPass;
  endpoints?: EndpointsPass;
  clusterroleaggregation?: AggregationPass;
  csrapproving?: CSRApprovingPass;
  csrsigning?: CSRSigningPass;
  workloads?: WorkloadsPass;
  errors: string[];
}

/** What `GET /debug/controllers` shows: totals since this instance started. */
export interface ControllerStats {
  startedAt: string;
  passes: number;
  /** Calls into the store shards, per controller. */
  storeRequests: StoreRequestCounts;
  /** Keys the informer-fed controllers reconciled, per controller. */
  reconciled: Record<string, number>;
  /** Queued keys waiting for the next pass. */
  pending: boolean;
}

export class Controllers extends DurableObject<ControllerEnv> {
  /** Ends this instance as a crash would (test builds only). */
  async abortForTest(): Promise<void> {
    abortForTest(this.ctx, 'controllers aborted by a test');
  }

  /** Work asked for since the last pass. A fresh instance owes everything. */
  private dirty = new Set<ControllerName>(ALL_CONTROLLERS);
  private running: Promise<ReconcileResult> | undefined;
  private lastResync = 0;
  private lastPeriodic = 0;
  /** Whether the last node lifecycle pass saw nodes (they need the periodic pass). */
  private haveNodes = false;
  /** The alarm time this instance last saw or set (saves a storage read per kick in a burst). */
  private armedAt: number | undefined;
  /** The informer-fed controllers, made on first use with caches that fill on their first pass. */
  private manager: ControllerManager | undefined;
  private readonly storeCounter = new StoreRequestCounter();
  private countedEnv: ControllerEnv | undefined;
  private readonly startedAt = new Date().toISOString();
  private passes = 0;
  private readonly reconciled: Record<string, number> = {};

  async stats(): Promise<ControllerStats> {
    return {
      startedAt: this.startedAt, passes: this.passes, storeRequests: { ...this.storeCounter.counts },
      reconciled: { ...this.reconciled }, pending: this.dirty.size > 0,
    };
  }

  /** A write of something the controllers follow: run the concerned ones soon. */
  async kick(which: ControllerName[] = [...ALL_CONTROLLERS]): Promise<void> {
    for (const c of which) this.dirty.add(c);
    if (this.running) return; // the pass in progress schedules the next one
    await this.armSoon();
  }

  private async armSoon() {
    const now = Date.now();
    const soon = now + KICK_DELAY_MS;
    // A burst of writes: the alarm the first one armed serves them all.
    if (this.armedAt !== undefined && this.armedAt > now && this.armedAt <= soon) return;
    const at = await this.ctx.storage.getAlarm();
    if (at === null || at > soon) { await this.ctx.storage.setAlarm(soon); this.armedAt = soon; } else this.armedAt = at;
  }

  override async alarm(): Promise<void> {
    if (this.running) { await this.running; return; } // a pass is already running; it re-arms
    const result = await this.reconcile();
    if (result.errors.length) console.error('controllers:', result.errors.join('; '));
  }

  /**
   * One pass of the controllers that have work (all of them on the periodic
   * pass), then the next alarm. Tests call it with their own clock.
   */
  async reconcile(overrides: Partial<ControllerOptions> & { all?: boolean } = {}): Promise<ReconcileResult> {
    while (this.running) await this.running.catch(() => undefined);
    const run = this.pass(overrides);
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = undefined;
    }
  }

  private async pass(overrides: Partial<ControllerOptions> & { all?: boolean }): Promise<ReconcileResult> {
    const opts = controllerOptions(this.env, overrides);
    // Kicked controllers run; on the periodic pass node lifecycle and the
    // scheduler run anyway, and every controller on the resync.
    const resync = overrides.all || opts.now - this.lastResync >= RESYNC_MS;
    const periodic = resync || opts.now - this.lastPeriodic >= PERIOD_MS - KICK_DELAY_MS;
    const due = new Set<ControllerName>(resync ? ALL_CONTROLLERS : periodic ? ['nodelifecycle', 'scheduler'] : []);
    for (const c of this.dirty) due.add(c);
    this.dirty.clear();
    if (resync) this.lastResync = opts.now;
    if (periodic) this.lastPeriodic = opts.now;
    const result: ReconcileResult = { ran: [], errors: [] };
    this.passes++;
    const ctx: RestContext = {
      env: (this.countedEnv ??= this.storeCounter.wrap(this.env)),
      waitUntil: (p) => this.ctx.waitUntil(p.catch((e) => console.error('controllers: background work failed:', e))),
      warn: () => undefined,
      userAgent: 'edgekube-controllers',
      // The controllers' own writes mark work for this instance instead of calling it over RPC.
      committed: (def, obj, removed) => { for (const c of interested(def, obj, removed)) this.dirty.add(c); },
    };
    const manager = (this.manager ??= new ControllerManager(ctx, [...NODE_LIFECYCLE_READS(), ...SCHEDULER_READS(), ...ENDPOINTS_READS()]));
    let nextAt: number | undefined;
    // Order matters: node taints first (the scheduler reads them), then
    // binding, then endpoints from the pods' latest state.
    for (const name of ALL_CONTROLLERS) {
      if (!due.has(name)) continue;
      result.ran.push(name);
      this.storeCounter.current = name;
      try {
        let itemErrors: string[];
        if (name === 'nodelifecycle') {
          const r = (result.nodelifecycle = await runNodeLifecycle(ctx, opts, await manager.caches()));
          this.haveNodes = r.nodes > 0;
          nextAt = r.nextAt;
          itemErrors = r.errors;
        } else if (name === 'workloads') {
          const r = (result.workloads = await manager.pass(opts.now));
          for (const [c, n] of Object.entries(r.processed)) this.reconciled[c] = (this.reconciled[c] ?? 0) + n;
          if (r.nextAt !== undefined) nextAt = Math.min(nextAt ?? Infinity, r.nextAt);
          itemErrors = r.errors;
        } else if (name === 'scheduler') {
          itemErrors = (result.scheduler = await runScheduler(ctx, opts, await manager.caches())).errors;
        } else if (name === 'endpoints') {
          itemErrors = (result.endpoints = await runEndpoints(ctx, opts, await manager.caches())).errors;
        } else if (name === 'clusterroleaggregation') {
          itemErrors = (result.clusterroleaggregation = await runClusterRoleAggregation(ctx)).errors;
        } else if (name === 'csrapproving') {
          itemErrors = (result.csrapproving = await runCSRApproving(ctx, opts.now)).errors;
        } else {
          itemErrors = (result.csrsigning = await runCSRSigning(ctx, opts.now)).errors;
        }
        // Trouble with one object is logged and left to the periodic pass.
        for (const err of itemErrors) console.error(`controllers: ${name}: ${err}`);
      } catch (e) {
        this.dirty.add(name);
        result.errors.push(`${name}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      }
    }
    this.storeCounter.current = undefined;
    // Keys left over (the pass ran out of time) or queued by a later sync (the
    // scheduler's, the endpoints') wait for a workloads pass of their own.
    if (manager.due(opts.now)) this.dirty.add('workloads');
    // The controllers' own writes mark the work they cause (e.g. a pod marked
    // not ready for the endpoints); those run in a pass of their own.
    await this.scheduleNext(this.haveNodes, nextAt, result.errors.length > 0);
    return result;
  }

  private async scheduleNext(periodic: boolean, nextAt: number | undefined, failed: boolean) {
    const now = Date.now();
    const candidates: number[] = [];
    if (this.dirty.size > 0) candidates.push(now + (failed ? RETRY_MS : KICK_DELAY_MS));
    if (periodic) candidates.push(now + PERIOD_MS);
    if (nextAt !== undefined) candidates.push(Math.max(nextAt, now + KICK_DELAY_MS));
    if (candidates.length === 0) { await this.ctx.storage.deleteAlarm(); this.armedAt = undefined; return; }
    const at = Math.min(...candidates);
    const cur = await this.ctx.storage.getAlarm();
    if (cur === null || cur > at || cur < now) { await this.ctx.storage.setAlarm(at); this.armedAt = at; } else this.armedAt = cur;
  }
}
