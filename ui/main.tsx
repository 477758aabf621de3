// The edgekube dashboard: namespaces, nodes, pods, workloads and events, kept
// live by watches (no polling), a pod's log followed as it is written, and
// any object's YAML as the server writes it (Accept: application/yaml).
// Preact renders it; everything it shows comes through the API with the
// user's own credentials, so it shows what that user may see.
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, collectionPath, failure, Informer, lines, objectPath, token, Unauthorized, type KObject } from './api';

interface Kind { label: string; group: string; version: string; resource: string; namespaced: boolean }

const KINDS: Record<string, Kind> = {
  namespaces: { label: 'Namespaces', group: '', version: 'v1', resource: 'namespaces', namespaced: false },
  nodes: { label: 'Nodes', group: '', version: 'v1', resource: 'nodes', namespaced: false },
  pods: { label: 'Pods', group: '', version: 'v1', resource: 'pods', namespaced: true },
  deployments: { label: 'Deployments', group: 'apps', version: 'v1', resource: 'deployments', namespaced: true },
  statefulsets: { label: 'StatefulSets', group: 'apps', version: 'v1', resource: 'statefulsets', namespaced: true },
  daemonsets: { label: 'DaemonSets', group: 'apps', version: 'v1', resource: 'daemonsets', namespaced: true },
  replicasets: { label: 'ReplicaSets', group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true },
  jobs: { label: 'Jobs', group: 'batch', version: 'v1', resource: 'jobs', namespaced: true },
  cronjobs: { label: 'CronJobs', group: 'batch', version: 'v1', resource: 'cronjobs', namespaced: true },
  services: { label: 'Services', group: '', version: 'v1', resource: 'services', namespaced: true },
  events: { label: 'Events', group: '', version: 'v1', resource: 'events', namespaced: true },
};
const NAV = ['nodes', 'pods', 'deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs', 'cronjobs', 'services', 'events', 'namespaces'];

// ---- the route: #/<kind>?ns=<namespace>&sel=<namespace>/<name> ----

interface Route { kind: string; ns: string; sel: string }

function readRoute(): Route {
  const [path, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const q = new URLSearchParams(query);
  return { kind: KINDS[path] ? path : 'pods', ns: q.get('ns') ?? '', sel: q.get('sel') ?? '' };
}

function go(r: Partial<Route>) {
  const next = { ...readRoute(), ...r };
  const q = new URLSearchParams();
  if (next.ns) q.set('ns', next.ns);
  if (next.sel) q.set('sel', next.sel);
  location.hash = `#/${next.kind}${q.size ? `?${q}` : ''}`;
}

function useRoute(): Route {
  const [route, setRoute] = useState(readRoute);
  useEffect(() => {
    const on = () => setRoute(readRoute());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

// ---- live collections ----

function useInformer(path: string | undefined, onUnauthorized: () => void): { items: KObject[]; error?: string; loaded: boolean } {
  const [state, setState] = useState<{ items: KObject[]; error?: string; loaded: boolean }>({ items: [], loaded: false });
  useEffect(() => {
    if (!path) return undefined;
    setState({ items: [], loaded: false });
    const inf = new Informer(path, (items) => setState({ items, loaded: true }), (e) => {
      if (e instanceof Unauthorized) onUnauthorized();
      else setState((s) => ({ ...s, error: e.message }));
    });
    return () => inf.stop();
  }, [path]);
  return state;
}

// ---- how kubectl words things ----

function age(ts?: string): string {
  if (!ts) return '';
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** The STATUS column of kubectl get pods: a container's waiting or terminated reason, else the phase. */
function podStatus(p: KObject): string {
  if (p.metadata.deletionTimestamp) return 'Terminating';
  for (const c of p.status?.containerStatuses ?? []) {
    if (c.state?.waiting?.reason) return c.state.waiting.reason;
    if (c.state?.terminated?.reason && p.status?.phase !== 'Succeeded') return c.state.terminated.reason;
  }
  return p.status?.reason ?? p.status?.phase ?? 'Pending';
}

const ready = (want: unknown, have: unknown) => `${have ?? 0}/${want ?? 0}`;
const condition = (o: KObject, type: string) => (o.status?.conditions ?? []).find((c: KObject) => c.type === type);

interface Column { name: string; cell: (o: KObject) => string }

const COLUMNS: Record<string, Column[]> = {
  namespaces: [{ name: 'Status', cell: (o) => o.status?.phase ?? '' }],
  nodes: [
    { name: 'Status', cell: (o) => (condition(o, 'Ready')?.status === 'True' ? 'Ready' : 'NotReady') + (o.spec?.unschedulable ? ',SchedulingDisabled' : '') },
    { name: 'Conditions', cell: (o) => (o.status?.conditions ?? []).filter((c: KObject) => (c.type === 'Ready') !== (c.status === 'True')).map((c: KObject) => `${c.type}=${c.status}`).join(' ') || 'healthy' },
    { name: 'Version', cell: (o) => o.status?.nodeInfo?.kubeletVersion ?? '' },
    { name: 'Internal-IP', cell: (o) => (o.status?.addresses ?? []).find((a: KObject) => a.type === 'InternalIP')?.address ?? '' },
  ],
  pods: [
    { name: 'Ready', cell: (o) => ready(o.spec?.containers?.length, (o.status?.containerStatuses ?? []).filter((c: KObject) => c.ready).length) },
    { name: 'Status', cell: podStatus },
    { name: 'Restarts', cell: (o) => String((o.status?.containerStatuses ?? []).reduce((n: number, c: KObject) => n + (c.restartCount ?? 0), 0)) },
    { name: 'Node', cell: (o) => o.spec?.nodeName ?? '' },
    { name: 'IP', cell: (o) => o.status?.podIP ?? '' },
  ],
  deployments: [
    { name: 'Ready', cell: (o) => ready(o.spec?.replicas, o.status?.readyReplicas) },
    { name: 'Up-to-date', cell: (o) => String(o.status?.updatedReplicas ?? 0) },
    { name: 'Available', cell: (o) => String(o.status?.availableReplicas ?? 0) },
  ],
  statefulsets: [{ name: 'Ready', cell: (o) => ready(o.spec?.replicas, o.status?.readyReplicas) }],
  daemonsets: [
    { name: 'Desired', cell: (o) => String(o.status?.desiredNumberScheduled ?? 0) },
    { name: 'Ready', cell: (o) => String(o.status?.numberReady ?? 0) },
  ],
  replicasets: [
    { name: 'Desired', cell: (o) => String(o.spec?.replicas ?? 0) },
    { name: 'Ready', cell: (o) => String(o.status?.readyReplicas ?? 0) },
  ],
  jobs: [
    { name: 'Status', cell: (o) => (condition(o, 'Complete')?.status === 'True' ? 'Complete' : condition(o, 'Failed')?.status === 'True' ? 'Failed' : 'Running') },
    { name: 'Completions', cell: (o) => `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}` },
  ],
  cronjobs: [
    { name: 'Schedule', cell: (o) => o.spec?.schedule ?? '' },
    { name: 'Active', cell: (o) => String(o.status?.active?.length ?? 0) },
    { name: 'Last schedule', cell: (o) => age(o.status?.lastScheduleTime) },
  ],
  services: [
    { name: 'Type', cell: (o) => o.spec?.type ?? '' },
    { name: 'Cluster-IP', cell: (o) => o.spec?.clusterIP ?? '' },
    { name: 'Ports', cell: (o) => (o.spec?.ports ?? []).map((p: KObject) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',') },
  ],
  events: [
    { name: 'Type', cell: (o) => o.type ?? '' },
    { name: 'Reason', cell: (o) => o.reason ?? '' },
    { name: 'Object', cell: (o) => `${(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}` },
    { name: 'Message', cell: (o) => o.message ?? '' },
  ],
};

const lastSeen = (o: KObject) => o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp ?? '';
const keyOf = (o: KObject) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name);

// ---- views ----

function ObjectTable({ kind, items, ns, selected }: { kind: string; items: KObject[]; ns: string; selected: string }) {
  const k = KINDS[kind];
  const sorted = useMemo(() => (kind === 'events'
    ? [...items].sort((a, b) => lastSeen(b).localeCompare(lastSeen(a)))
    : [...items].sort((a, b) => keyOf(a).localeCompare(keyOf(b)))), [items, kind]);
  const showNs = k.namespaced && !ns;
  return (
    <table class="objects" data-testid={`table-${kind}`}>
      <thead><tr>
        {showNs && <th>Namespace</th>}<th>Name</th>{COLUMNS[kind].map((c) => <th key={c.name}>{c.name}</th>)}<th>{kind === 'events' ? 'Last seen' : 'Age'}</th>
      </tr></thead>
      <tbody>
        {sorted.map((o) => (
          <tr key={o.metadata.uid} data-testid={`row-${keyOf(o)}`} class={keyOf(o) === selected ? 'selected' : ''} onClick={() => go({ sel: keyOf(o) })}>
            {showNs && <td>{o.metadata.namespace}</td>}
            <td class="name">{o.metadata.name}</td>
            {COLUMNS[kind].map((c) => <td key={c.name} data-col={c.name}>{c.cell(o)}</td>)}
            <td>{age(kind === 'events' ? lastSeen(o) : o.metadata.creationTimestamp)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function YamlView({ path, version }: { path: string; version?: string }) {
  const [text, setText] = useState('loading...');
  useEffect(() => {
    let live = true;
    api(path, { headers: { accept: 'application/yaml' } })
      .then(async (r) => (r.ok ? r.text() : `error: ${await failure(r)}`))
      .then((t) => live && setText(t), (e) => live && setText(`error: ${(e as Error).message}`));
    return () => { live = false; };
  }, [path, version]);
  return <pre class="yaml" data-testid="yaml">{text}</pre>;
}

function LogView({ pod }: { pod: KObject }) {
  const containers: string[] = (pod.spec?.containers ?? []).map((c: KObject) => c.name);
  const [container, setContainer] = useState(containers[0] ?? '');
  const [text, setText] = useState('');
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const abort = new AbortController();
    setText('');
    const path = `/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace!)}/pods/${encodeURIComponent(pod.metadata.name)}/log?follow=true&tailLines=1000&container=${encodeURIComponent(container)}`;
    (async () => {
      const res = await api(path, { signal: abort.signal });
      if (!res.ok) { setText(`error: ${await failure(res)}`); return; }
      for await (const line of lines(res, abort.signal)) setText((t) => `${t}${line}\n`);
    })().catch((e) => { if (!abort.signal.aborted) setText((t) => `${t}\n[log stream ended: ${(e as Error).message}]`); });
    return () => abort.abort();
  }, [pod.metadata.uid, container]);
  useEffect(() => { if (pre.current) pre.current.scrollTop = pre.current.scrollHeight; }, [text]);
  return (
    <div>
      {containers.length > 1 && (
        <select value={container} onChange={(e) => setContainer((e.target as HTMLSelectElement).value)}>
          {containers.map((c) => <option key={c}>{c}</option>)}
        </select>
      )}
      <pre class="logs" ref={pre} data-testid="logs">{text}</pre>
    </div>
  );
}

function Details({ kind, obj }: { kind: string; obj: KObject }) {
  const [tab, setTab] = useState<'yaml' | 'logs'>(kind === 'pods' ? 'logs' : 'yaml');
  const k = KINDS[kind];
  const path = objectPath(k.group ? `${k.group}/${k.version}` : k.version, k.resource, obj);
  return (
    <aside class="details" data-testid="details">
      <header>
        <strong>{k.label.replace(/s$/, '')} {keyOf(obj)}</strong>
        <nav>
          {kind === 'pods' && <button class={tab === 'logs' ? 'on' : ''} onClick={() => setTab('logs')}>Logs</button>}
          <button class={tab === 'yaml' ? 'on' : ''} onClick={() => setTab('yaml')}>YAML</button>
          <button onClick={() => go({ sel: '' })} aria-label="close">x</button>
        </nav>
      </header>
      {tab === 'logs' && kind === 'pods' ? <LogView pod={obj} /> : <YamlView path={path} version={obj.metadata.resourceVersion} />}
    </aside>
  );
}

function Login({ onDone }: { onDone: () => void }) {
  const [value, setValue] = useState('');
  return (
    <form class="login" onSubmit={(e) => { e.preventDefault(); token.set(value.trim()); onDone(); }}>
      <p>This cluster wants a bearer token (a ServiceAccount token, or one from the token file).</p>
      <input type="password" placeholder="token" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
      <button type="submit">Sign in</button>
    </form>
  );
}

/** Re-renders every few seconds so that ages move on; the data itself only changes through watches. */
function useClock(ms: number) {
  const [, setNow] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
}

function App() {
  const route = useRoute();
  useClock(5000);
  const [signedOut, setSignedOut] = useState(false);
  const unauthorized = () => setSignedOut(true);
  const k = KINDS[route.kind];
  const namespaces = useInformer(signedOut ? undefined : '/api/v1/namespaces', unauthorized);
  const path = signedOut ? undefined : collectionPath(k.group, k.version, k.resource, k.namespaced && route.ns ? route.ns : undefined);
  const live = useInformer(path, unauthorized);
  if (signedOut) return <Login onDone={() => setSignedOut(false)} />;
  const selected = live.items.find((o) => keyOf(o) === route.sel);
  return (
    <div class="app">
      <header class="top">
        <h1>edgekube</h1>
        <select data-testid="namespace" value={route.ns} onChange={(e) => go({ ns: (e.target as HTMLSelectElement).value, sel: '' })}>
          <option value="">all namespaces</option>
          {namespaces.items.map((n) => n.metadata.name).sort().map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
        {token.get() && <button onClick={() => { token.set(''); setSignedOut(true); }}>sign out</button>}
      </header>
      <nav class="side">
        {NAV.map((id) => <a key={id} href={`#/${id}${route.ns ? `?ns=${encodeURIComponent(route.ns)}` : ''}`} class={id === route.kind ? 'on' : ''} data-testid={`nav-${id}`}>{KINDS[id].label}</a>)}
      </nav>
      <main>
        <h2>{k.label} <small>{live.loaded ? `${live.items.length}, live` : 'loading'}</small></h2>
        {live.error && <p class="error">{live.error}</p>}
        <ObjectTable kind={route.kind} items={live.items} ns={route.ns} selected={route.sel} />
      </main>
      {selected && <Details key={selected.metadata.uid} kind={route.kind} obj={selected} />}
    </div>
  );
}

render(<App />, document.getElementById('app')!);
