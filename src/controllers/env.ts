// What the controllers need from the Worker environment: the store (through
// the rest layer) and the two durations of node lifecycle, configurable so
// tests and small clusters can shorten them.
import type { Env } from '../store/client';

export interface ControllerEnv extends Env {
  /** How long a node may go without renewing its Lease before it is Unknown (kube's node-monitor-grace-period, 40 s). */
  EDGEKUBE_NODE_GRACE_SECONDS?: string;
  /** How long pods tolerate an unreachable or not-ready node by default (DefaultTolerationSeconds, 300 s). */
  EDGEKUBE_POD_EVICTION_SECONDS?: string;
  /** The PEM CA bundle published as kube-root-ca.crt (kube-controller-manager's --root-ca-file). */
  EDGEKUBE_ROOT_CA?: string;
}

/** The controllers' single instance. */
export const CONTROLLERS_INSTANCE = 'cluster';

/** What a controller pass reads its clock and durations from; tests pass their own. */
export interface ControllerOptions {
  now: number;
  nodeGraceSeconds: number;
  podEvictionSeconds: number;
}

function seconds(v: string | undefined, fallback: number): number {
  if (v === undefined || v.trim() === '') return fallback;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

export function controllerOptions(env: ControllerEnv, overrides: Partial<ControllerOptions> = {}): ControllerOptions {
  return {
    now: overrides.now ?? Date.now(),
    nodeGraceSeconds: overrides.nodeGraceSeconds ?? seconds(env.EDGEKUBE_NODE_GRACE_SECONDS, 40),
    podEvictionSeconds: overrides.podEvictionSeconds ?? seconds(env.EDGEKUBE_POD_EVICTION_SECONDS, 300),
  };
}

/** Which controllers a change concerns. */
export type ControllerName = 'scheduler' | 'nodelifecycle' | 'workloads' | 'endpoints' | 'clusterroleaggregation' | 'csrapproving' | 'csrsigning';
/**
 * In the order a pass runs them: workloads create pods before the scheduler
 * binds them, and approval comes before signing, so a new node's request is
 * issued in one pass.
 */
export const ALL_CONTROLLERS: readonly ControllerName[] = ['nodelifecycle', 'workloads', 'scheduler', 'endpoints', 'clusterroleaggregation', 'csrapproving', 'csrsigning'];

