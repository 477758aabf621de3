// Statuses the proxy answers with, worded as kube-apiserver's.
import { ApiError, type Status } from '../status/status';

export function unavailableStatus(message: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'ServiceUnavailable', code: 503 };
}

/** 503 ServiceUnavailable (apierrors.NewServiceUnavailable). */
export const unavailable = (message: string) => new ApiError(unavailableStatus(message));

/** A node (or pod port) could not be reached: kube's "error trying to reach service" 503. */
export const unreachable = (why: string) => unavailable(`error trying to reach service: ${why}`);

export const unauthorized = () =>
  new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });

export const statusResponse = (s: Status, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(s), { status: s.code, headers: { 'content-type': 'application/json', ...headers } });
