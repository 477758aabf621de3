// The store's contract: what the request path sends to a store shard and gets
// back. Objects cross the RPC boundary as JSON text, so the store never pays
// for a structured clone of a parsed object and the Worker can splice list
// items into a response without parsing them.

import type { Attrs } from '../selectors';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change, as the watch hub fans it out. */
export interface LogEvent {
  rv: number;
  type: EventType;
  key: string;
  attrs: Attrs;
  object: string;
  /** The key's previous version, for MODIFIED and DELETED. */
  prev?: { attrs: Attrs; object: string };
}

export interface CommitRequest {
  type: EventType;
  /** Storage key: /<group>/<resource>/[<namespace>/]<name>. */
  key: string;
  namespace: string;
  /** The object to store; the store sets metadata.resourceVersion. */
  object: string;
  /** JSON of selectors/Attrs: labels and selectable fields of this version. */
  attrs: string;
  /** For MODIFIED and DELETED: the resourceVersion the caller based its change on. */
  expectResourceVersion?: number;
}

export type StoreError = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Expired' | 'TooLargeResourceVersion';

export type StoreResult<T> = { ok: true; value: T } | { ok: false; error: StoreError; message?: string };

export interface StoredObject { resourceVersion: number; object: string }

export interface ListRequest {
  /** Key prefix: one kind, optionally narrowed to a namespace ("/core/pods/default/"). */
  prefix: string;
  /** Read the state exactly at this resourceVersion (paging, resourceVersionMatch=Exact). */
  exact?: number;
  /** Read the latest state, which must be at least this resourceVersion. */
  notOlderThan?: number;
  limit?: number;
  /** First key to include (from a continue token). */
  startKey?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ListResult {
  resourceVersion: number;
  items: string[];
  /** Key to continue from when more items remain. */
  nextKey?: string;
  /** Items after this page, when no selector was used. */
  remaining?: number;
}

/** What a watch asks the store for. Sent as the attachment of the store-side WebSocket. */
export interface WatchSpec {
  prefix: string;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * "initial": synthetic ADDED events for the current state, then changes;
   * "after": only the changes after `resourceVersion`.
   */
  mode: 'initial' | 'after';
  resourceVersion?: number;
  /** After the initial events, a BOOKMARK annotated k8s.io/initial-events-end. */
  initialEventsEnd?: boolean;
  /** kind/apiVersion put on BOOKMARK objects. */
  kind: string;
  apiVersion: string;
}

/** Messages the Worker side of a watch bridge sends to the store. */
export type WatchControl = { op: 'start' } | { op: 'bookmark' };

/** One live object as a backup holds it: its storage key, namespace, resourceVersion, selector attributes and JSON. */
export type BackupRow = { key: string; rv: number; ns: string; attrs: string; object: string };

export interface BackupPage {
  resourceVersion: number;
  rows: BackupRow[];
  /** The first key of the next page, when there is one. */
  nextKey?: string;
}
