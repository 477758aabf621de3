// The store shard on its own, inside workerd: the event log, optimistic
// concurrency, lists at a resourceVersion, paging, compaction and replay.
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store';

const stub = (name: string) => env.STORE.get(env.STORE.idFromName(name)) as DurableObjectStub<Store>;

const obj = (name: string, labels: Record<string, string> = {}, data = 'x') =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', labels }, data: { v: data } });
const attrs = (name: string, labels: Record<string, string> = {}) => JSON.stringify({ l: labels, f: { 'metadata.name': name, 'metadata.namespace': 'ns' } });

async function put(s: DurableObjectStub<Store>, name: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', expect?: number, labels: Record<string, string> = {}, data = 'x') {
  return s.commit({ type, key: `/core/configmaps/ns/${name}`, namespace: 'ns', object: obj(name, labels, data), attrs: attrs(name, labels), expectResourceVersion: expect });
}

describe('store shard', () => {
  it('assigns increasing resourceVersions and stamps them into objects', async () => {
    const s = stub('rv');
    const a = await put(s, 'a', 'ADDED');
    const b = await put(s, 'b', 'ADDED');
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(b.value.resourceVersion).toBe(a.value.resourceVersion + 1);
    expect(JSON.parse(b.value.object).metadata.resourceVersion).toBe(String(b.value.resourceVersion));
    const got = await s.get('/core/configmaps/ns/a');
    expect(got?.resourceVersion).toBe(a.value.resourceVersion);
  });

  it('refuses a second create, an update of a stale version and a write to a missing key', async () => {
    const s = stub('occ');
    const a = await put(s, 'a', 'ADDED');
    if (!a.ok) throw new Error('create failed');
    expect(await put(s, 'a', 'ADDED')).toEqual({ ok: false, error: 'AlreadyExists' });
    const m = await put(s, 'a', 'MODIFIED', a.value.resourceVersion, {}, 'y');
    expect(m.ok).toBe(true);
    expect(await put(s, 'a', 'MODIFIED', a.value.resourceVersion, {}, 'z')).toEqual({ ok: false, error: 'Conflict' });
    expect(await put(s, 'nope', 'MODIFIED', 1)).toEqual({ ok: false, error: 'NotFound' });
    const rv = await s.currentResourceVersion();
    const got = JSON.parse((await s.get('/core/configmaps/ns/a'))!.object);
    expect(got.data.v).toBe('y');
    expect(rv).toBe(a.value.resourceVersion + 1);
  });

  it('lists the state at an older resourceVersion exactly, and pages with a remaining count', async () => {
    const s = stub('list');
    for (const n of ['a', 'b', 'c', 'd']) await put(s, n, 'ADDED');
    const at = await s.currentResourceVersion();
    const cur = JSON.parse((await s.get('/core/configmaps/ns/b'))!.object).metadata.resourceVersion;
    await put(s, 'b', 'MODIFIED', Number(cur), {}, 'changed');
    await put(s, 'e', 'ADDED');
    await put(s, 'a', 'DELETED');
    const old = await s.list({ prefix: '/core/configmaps/ns/', exact: at });
    if (!old.ok) throw new Error(old.error);
    expect(old.value.items.map((i) => JSON.parse(i).metadata.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(JSON.parse(old.value.items[1]).data.v).toBe('x');
    const page1 = await s.list({ prefix: '/core/configmaps/ns/', limit: 2 });
    if (!page1.ok) throw new Error(page1.error);
    expect(page1.value.items.map((i) => JSON.parse(i).metadata.name)).toEqual(['b', 'c']);
    expect(page1.value.remaining).toBe(2);
    const page2 = await s.list({ prefix: '/core/configmaps/ns/', limit: 2, exact: page1.value.resourceVersion, startKey: page1.value.nextKey });
    if (!page2.ok) throw new Error(page2.error);
    expect(page2.value.items.map((i) => JSON.parse(i).metadata.name)).toEqual(['d', 'e']);
    expect(page2.value.nextKey).toBeUndefined();
  });

  it('filters lists by label and field selectors', async () => {
    const s = stub('select');
    await put(s, 'a', 'ADDED', undefined, { app: 'web' });
    await put(s, 'b', 'ADDED', undefined, { app: 'db' });
    await put(s, 'c', 'ADDED', undefined, {});
    const names = async (labelSelector = '', fieldSelector = '') => {
      const r = await s.list({ prefix: '/core/configmaps/ns/', labelSelector, fieldSelector });
      if (!r.ok) throw new Error(r.error);
      return r.value.items.map((i) => JSON.parse(i).metadata.name);
    };
    expect(await names('app=web')).toEqual(['a']);
    expect(await names('app!=web')).toEqual(['b', 'c']);
    expect(await names('app in (web,db)')).toEqual(['a', 'b']);
    expect(await names('!app')).toEqual(['c']);
    expect(await names('app')).toEqual(['a', 'b']);
    expect(await names('', 'metadata.name!=b')).toEqual(['a', 'c']);
  });

  it('compacts history but keeps the compaction point listable and watchable', async () => {
    const s = stub('compact');
    const a = await put(s, 'a', 'ADDED');
    if (!a.ok) throw new Error('create');
    let rv = a.value.resourceVersion;
    for (let i = 0; i < 5; i++) {
      const r = await put(s, 'a', 'MODIFIED', rv, {}, `v${i}`);
      if (!r.ok) throw new Error('update');
      rv = r.value.resourceVersion;
    }
    const point = rv - 2;
    await s.compact(point);
    expect(await s.compactedResourceVersion()).toBe(point);
    const atPoint = await s.list({ prefix: '/core/configmaps/ns/', exact: point });
    if (!atPoint.ok) throw new Error(atPoint.error);
    expect(JSON.parse(atPoint.value.items[0]).data.v).toBe('v2');
    expect(await s.list({ prefix: '/core/configmaps/ns/', exact: point - 1 })).toMatchObject({ ok: false, error: 'Expired' });
    await runInDurableObject(s, (instance: Store) => {
      expect(instance.eventsAfter('/core/configmaps/', point - 1)).toBeUndefined();
      const after = instance.eventsAfter('/core/configmaps/', point)!;
      expect(after.map((e) => e.rv)).toEqual([point + 1, point + 2]);
      // The previous version of each retained event survives compaction.
      expect(after.every((e) => e.prev !== undefined)).toBe(true);
    });
  });

  it('answers a resourceVersion it has not reached yet with TooLargeResourceVersion', async () => {
    const s = stub('future');
    await put(s, 'a', 'ADDED');
    const cur = await s.currentResourceVersion();
    expect(await s.list({ prefix: '/core/configmaps/', notOlderThan: cur + 10 })).toMatchObject({ ok: false, error: 'TooLargeResourceVersion' });
  });

  it('serialises concurrent writers: exactly one wins each conflict and no update is lost', async () => {
    const s = stub('race');
    const a = await put(s, 'counter', 'ADDED', undefined, {}, '0');
    if (!a.ok) throw new Error('create');
    // 10 writers each try 10 read-modify-write increments with retries on conflict.
    let conflicts = 0;
    const writer = async () => {
      for (let i = 0; i < 10; i++) {
        for (;;) {
          const cur = (await s.get('/core/configmaps/ns/counter'))!;
          const n = Number(JSON.parse(cur.object).data.v);
          const r = await put(s, 'counter', 'MODIFIED', cur.resourceVersion, {}, String(n + 1));
          if (r.ok) break;
          expect(r).toEqual({ ok: false, error: 'Conflict' });
          conflicts++;
        }
      }
    };
    await Promise.all(Array.from({ length: 10 }, writer));
    expect(JSON.parse((await s.get('/core/configmaps/ns/counter'))!.object).data.v).toBe('100');
    expect(await s.currentResourceVersion()).toBe(a.value.resourceVersion + 100);
    expect(conflicts).toBeGreaterThan(0);
  });
});
