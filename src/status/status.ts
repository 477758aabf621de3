// Kubernetes Status objects: every error a client can cause leaves the server
// as one, with kube-apiserver's reason, code and message wording
// (k8s.io/apimachinery/pkg/api/errors).
import type { FieldError } from '../resources/types';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason?: string; message: string; field?: string }[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** An error carrying the Status to send. Thrown anywhere in the request path. */
export class ApiError extends Error {
  constructor(readonly status: Status, readonly headers: Record<string, string> = {}) {
    super(status.message);
  }
}

export function failure(code: number, reason: string, message: string, details?: StatusDetails): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code });
}

/** The resource a Status names: "pods", "deployments.apps". */
export interface Qualified { group: string; resource: string }
const qualified = (q: Qualified) => (q.group ? `${q.resource}.${q.group}` : q.resource);
const detailsOf = (q: Qualified, name: string): StatusDetails => ({ name, ...(q.group ? { group: q.group } : {}), kind: q.resource });

export const notFound = (q: Qualified, name: string) => failure(404, 'NotFound', `${qualified(q)} "${name}" not found`, detailsOf(q, name));
export const alreadyExists = (q: Qualified, name: string) => failure(409, 'AlreadyExists', `${qualified(q)} "${name}" already exists`, detailsOf(q, name));
export const conflict = (q: Qualified, name: string, why: string) =>
  failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(q)} "${name}": ${why}`, detailsOf(q, name));
export const invalid = (kind: string, group: string, name: string, causes: FieldError[]) =>
  failure(422, 'Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
    { name, ...(group ? { group } : {}), kind, causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })) });
export const badRequest = (message: string, causes?: StatusDetails['causes']) => failure(400, 'BadRequest', message, causes ? { causes } : undefined);
/** No authenticator accepted the request's credentials (or it had none). */
export const unauthorized = () => failure(401, 'Unauthorized', 'Unauthorized');
/** As NewForbidden: without a name the message names the resource only, without a resource (a path) neither. */
export function forbidden(q: Qualified, name: string, why: string): ApiError {
  const r = qualified(q);
  const message = r === '' ? `forbidden: ${why}` : name ? `${r} "${name}" is forbidden: ${why}` : `${r} is forbidden: ${why}`;
  const details: StatusDetails = { ...(name ? { name } : {}), ...(q.group ? { group: q.group } : {}), ...(q.resource ? { kind: q.resource } : {}) };
  return failure(403, 'Forbidden', message, details);
}
/** What max-in-flight and API Priority and Fairness answer to a client over its share. */
export const tooManyRequests = (retryAfterSeconds = 1) => new ApiError(
  { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Too many requests, please try again later.', reason: 'TooManyRequests', code: 429, details: { retryAfterSeconds } },
  { 'Retry-After': String(retryAfterSeconds) },
);
export const methodNotSupported = (q: Qualified, action: string) =>
  failure(405, 'MethodNotAllowed', `${action} is not supported on resources of kind "${qualified(q)}"`, { group: q.group, kind: q.resource });
export const methodNotAllowed = (message: string) => failure(405, 'MethodNotAllowed', message);
export const gone = (message: string) => failure(410, 'Expired', message);
export const tooLarge = (message: string) => failure(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`);
export const unsupportedMediaType = (contentType: string, accepted: string[]) =>
  failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`, { causes: [{ reason: 'UnsupportedMediaType', message: contentType }] });
export const notAcceptable = (message: string) => failure(406, 'NotAcceptable', message);
export const timeout = (message: string, retryAfterSeconds = 1) =>
  new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Timeout', details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds }, code: 504 }, { 'Retry-After': String(retryAfterSeconds) });
/** The store is restarting (a deploy, an eviction, a crash): nothing the client did, and worth a retry. */
export const serviceUnavailable = (message: string, retryAfterSeconds = 1) => new ApiError(
  { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'ServiceUnavailable', code: 503, details: { retryAfterSeconds } },
  { 'Retry-After': String(retryAfterSeconds) },
);

/**
 * What a Durable Object call's failure means to a client: `.overloaded` (its
 * queue is full) is kube's 429 for a server over its share; `.retryable` (the
 * object was reset mid-call) a 503 to retry; anything else is ours, a 500.
 */
export function fromPlatformError(err: unknown): ApiError | undefined {
  const e = err as { overloaded?: boolean; message?: string } | null;
  if (e?.overloaded) return tooManyRequests(1);
  if (isReset(err)) return serviceUnavailable(`the store is restarting, try again: ${e?.message ?? ''}`.trim());
  return undefined;
}

/** A call cut short by the object's reset (`.retryable`, or `.durableObjectReset` after an abort or a deploy). */
export function isReset(err: unknown): boolean {
  const e = err as { retryable?: boolean; durableObjectReset?: boolean; overloaded?: boolean } | null;
  return !e?.overloaded && (e?.retryable === true || e?.durableObjectReset === true);
}

export const internal = (message: string) => failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
export const notFoundPath = () => failure(404, "NotFound", "the server could not find the requested resource", {});

/** The Status a successful DELETE returns when the object is gone at once. */
export function success(q: Qualified, name: string, uid?: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { ...detailsOf(q, name), ...(uid ? { uid } : {}) }, code: 200 };
}
