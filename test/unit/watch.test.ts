// Watch semantics through the Worker bridge and the store's hub, inside
// workerd: resourceVersion modes, watch-list, selectors, 410, ordering across
// concurrent watchers, and a store restart mid-stream.
import { abortAllDurableObjects } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { api, cm, cluster, mkns, summary, Watch } from './helpers';

const rvOf = (e: { object: { metadata: { resourceVersion: string } } }) => Number(e.object.metadata.resourceVersion);

describe('watch', () => {
  it('from resourceVersion N delivers exactly the events after N, in order', async () => {
    await mkns('w-after');
    const a = await api('POST', '/api/v1/namespaces/w-after/configmaps', cm('a', 'w-after'));
    const rv = a.body.metadata.resourceVersion;
    await api('PUT', '/api/v1/namespaces/w-after/configmaps/a', { ...a.body, data: { k: '2' } });
    await api('POST', '/api/v1/namespaces/w-after/configmaps', cm('b', 'w-after'));
    const w = await Watch.open(`/api/v1/namespaces/w-after/configmaps?watch=1&resourceVersion=${rv}`);
    expect(w.response.headers.get('content-encoding')).toBe('identity');
    expect(summary(await w.next(2))).toEqual(['MODIFIED a', 'ADDED b']);
    await api('DELETE', '/api/v1/namespaces/w-after/configmaps/a');
    const events = await w.next(3);
    expect(summary(events)).toEqual(['MODIFIED a', 'ADDED b', 'DELETED a']);
    const rvs = events.map(rvOf);
    expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
    w.close();
  });

  it('without a resourceVersion starts with synthetic ADDED events, then changes', async () => {
    await mkns('w-initial');
    await api('POST', '/api/v1/namespaces/w-initial/configmaps', cm('x', 'w-initial'));
    const w = await Watch.open('/api/v1/namespaces/w-initial/configmaps?watch=true');
    expect(summary(await w.next(2))).toEqual(['ADDED kube-root-ca.crt', 'ADDED x']);
    await api('POST', '/api/v1/namespaces/w-initial/configmaps', cm('y', 'w-initial'));
    expect(summary(await w.next(3))).toEqual(['ADDED kube-root-ca.crt', 'ADDED x', 'ADDED y']);
    w.close();
    // The legacy /watch/ prefix and a single named object.
    const one = await Watch.open('/api/v1/watch/namespaces/w-initial/configmaps/y?resourceVersion=0');
    expect(summary(await one.next(1))).toEqual(['ADDED y']);
    one.close();
  });

  it('sendInitialEvents ends the initial state with the initial-events-end bookmark', async () => {
    await mkns('w-list');
    await api('POST', '/api/v1/namespaces/w-list/configmaps', cm('a', 'w-list'));
    await api('POST', '/api/v1/namespaces/w-list/configmaps', cm('b', 'w-list'));
    const w = await Watch.open('/api/v1/namespaces/w-list/configmaps?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan');
    const [a, b, root, bookmark] = await w.next(4);
    expect(summary([a, b, root])).toEqual(['ADDED a', 'ADDED b', 'ADDED kube-root-ca.crt']);
    expect(bookmark.type).toBe('BOOKMARK');
    expect(bookmark.object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } });
    expect(Number(bookmark.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(rvOf(b));
    // Periodic bookmarks follow (EDGEKUBE_BOOKMARK_SECONDS=1 in tests).
    const later = await w.next(5, 4000);
    expect(later[4].type).toBe('BOOKMARK');
    w.close();
    const bad = await api('GET', '/api/v1/namespaces/w-list/configmaps?watch=1&sendInitialEvents=true');
    expect(bad.body).toMatchObject({ reason: 'Invalid', code: 422 });
  });

  it('turns selector transitions into ADDED and DELETED', async () => {
    await mkns('w-sel');
    const w = await Watch.open('/api/v1/namespaces/w-sel/configmaps?watch=1&labelSelector=app%3Dweb');
    const c = await api('POST', '/api/v1/namespaces/w-sel/configmaps', cm('c', 'w-sel', {}, { app: 'db' }));
    const web = await api('PUT', '/api/v1/namespaces/w-sel/configmaps/c', { ...c.body, metadata: { ...c.body.metadata, labels: { app: 'web' } } });
    const edited = await api('PUT', '/api/v1/namespaces/w-sel/configmaps/c', { ...web.body, data: { k: 'edited' } });
    const away = await api('PUT', '/api/v1/namespaces/w-sel/configmaps/c', { ...edited.body, metadata: { ...edited.body.metadata, labels: { app: 'db' } } });
    await api('DELETE', '/api/v1/namespaces/w-sel/configmaps/c');
    await api('POST', '/api/v1/namespaces/w-sel/configmaps', cm('d', 'w-sel', {}, { app: 'web' }));
    const events = await w.next(4);
    expect(summary(events)).toEqual(['ADDED c', 'MODIFIED c', 'DELETED c', 'ADDED d']);
    // The DELETED for a selector exit carries the last matching state at the event's resourceVersion.
    expect(events[2].object.metadata.labels).toEqual({ app: 'web' });
    expect(events[2].object.metadata.resourceVersion).toBe(away.body.metadata.resourceVersion);
    w.close();
  });

  it('answers a compacted resourceVersion with an ERROR 410 event', async () => {
    await mkns('w-old');
    const a = await api('POST', '/api/v1/namespaces/w-old/configmaps', cm('a', 'w-old'));
    const rv = Number(a.body.metadata.resourceVersion);
    await api('PUT', '/api/v1/namespaces/w-old/configmaps/a', { ...a.body, data: { k: 'x' } });
    await cluster().compact(rv + 1);
    const w = await Watch.open(`/api/v1/namespaces/w-old/configmaps?watch=1&resourceVersion=${rv - 1}`);
    const [err] = await w.next(1);
    expect(err).toMatchObject({ type: 'ERROR', object: { kind: 'Status', reason: 'Expired', code: 410 } });
    await w.ended();
    // The compaction point itself is still watchable.
    const ok = await Watch.open(`/api/v1/namespaces/w-old/configmaps?watch=1&resourceVersion=${rv + 1}`);
    await api('DELETE', '/api/v1/namespaces/w-old/configmaps/a');
    expect(summary(await ok.next(1))).toEqual(['DELETED a']);
    ok.close();
  });

  it('renders Table events for kubectl', async () => {
    await mkns('w-table');
    const w = await Watch.open('/api/v1/namespaces/w-table/pods?watch=1', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    await api('POST', '/api/v1/namespaces/w-table/pods', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    const [ev] = await w.next(1);
    expect(ev.type).toBe('ADDED');
    expect(ev.object.kind).toBe('Table');
    expect(ev.object.rows[0].cells.slice(0, 3)).toEqual(['p', '0/1', 'Pending']);
    w.close();
  });

  it('ends at timeoutSeconds', async () => {
    const w = await Watch.open('/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1');
    await w.ended(4000);
  });

  it('gives concurrent watchers started at every resourceVersion identical, gapless sequences', async () => {
    await mkns('w-many');
    const first = await api('POST', '/api/v1/namespaces/w-many/configmaps', cm('seed', 'w-many'));
    const start = Number(first.body.metadata.resourceVersion);
    const watchers: { from: number; w: Watch }[] = [];
    const writes: Promise<unknown>[] = [];
    // A writer runs while watchers join at each resourceVersion it produces.
    let obj = first.body;
    const rvs: number[] = [start];
    for (let i = 0; i < 12; i++) {
      watchers.push({ from: rvs[rvs.length - 1], w: await Watch.open(`/api/v1/namespaces/w-many/configmaps?watch=1&resourceVersion=${rvs[rvs.length - 1]}`) });
      const r = await api('PUT', '/api/v1/namespaces/w-many/configmaps/seed', { ...obj, data: { i: String(i) } });
      obj = r.body;
      rvs.push(Number(obj.metadata.resourceVersion));
      writes.push(api('POST', '/api/v1/namespaces/w-many/configmaps', cm(`extra-${i}`, 'w-many')));
    }
    await Promise.all(writes);
    const all = (await api('GET', '/api/v1/namespaces/w-many/configmaps')).body.metadata.resourceVersion;
    const full = await Watch.open(`/api/v1/namespaces/w-many/configmaps?watch=1&resourceVersion=${start}`);
    const reference = (await full.next(24)).map(rvOf);
    expect(reference[reference.length - 1]).toBe(Number(all));
    for (const { from, w } of watchers) {
      const expected = reference.filter((rv) => rv > from);
      const got = (await w.next(expected.length)).map(rvOf);
      expect(got).toEqual(expected);
      w.close();
    }
    full.close();
  });

  it('survives a store restart: the stream ends and a re-watch from the last resourceVersion misses nothing', async () => {
    await mkns('w-restart');
    const a = await api('POST', '/api/v1/namespaces/w-restart/configmaps', cm('a', 'w-restart'));
    const w = await Watch.open(`/api/v1/namespaces/w-restart/configmaps?watch=1&resourceVersion=${a.body.metadata.resourceVersion}`);
    await api('POST', '/api/v1/namespaces/w-restart/configmaps', cm('b', 'w-restart'));
    const seen = await w.next(1);
    await abortAllDurableObjects();
    await w.ended();
    // Written while nobody watches.
    await api('POST', '/api/v1/namespaces/w-restart/configmaps', cm('c', 'w-restart'));
    await api('DELETE', '/api/v1/namespaces/w-restart/configmaps/a');
    const last = seen[seen.length - 1].object.metadata.resourceVersion;
    const again = await Watch.open(`/api/v1/namespaces/w-restart/configmaps?watch=1&resourceVersion=${last}`);
    expect(summary(await again.next(2))).toEqual(['ADDED c', 'DELETED a']);
    again.close();
    expect((await api('GET', '/api/v1/namespaces/w-restart/configmaps/b')).status).toBe(200);
  });
});
