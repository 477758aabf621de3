#!/usr/bin/env node
// Captures the request bodies real kubectl sends (protobuf for typed clients) and
// writes them to test/fixtures/protobuf/<name>.json for test/unit/protobuf.test.ts.
//
//   node scripts/gen-protobuf.mjs [path/to/kubectl] [path/to/helm]
//
// A tiny HTTP server answers every write with 201 and `{}` (so kubectl does not
// retry) and serves just enough discovery for commands that consult a RESTMapper.
// kubectl defaults to .tools/kubectl/kubectl (see scripts/tools.mjs).

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'test/fixtures/protobuf');
const kubectl = process.argv[2] ?? [join(root, '.tools/kubectl/kubectl'), '/tmp/kt/kubectl/kubectl'].find((p) => existsSync(p));
const helm = process.argv[3] ?? [join(root, '.tools/helm/helm'), '/tmp/kt/helm/helm'].find((p) => existsSync(p));
if (!kubectl || !existsSync(kubectl)) {
  console.error('kubectl not found: run `node scripts/tools.mjs` or pass its path');
  process.exit(1);
}

const res = (name, kind, namespaced, verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']) => ({ name, singularName: '', namespaced, kind, verbs });
const discovery = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      res('namespaces', 'Namespace', false),
      res('configmaps', 'ConfigMap', true),
      res('secrets', 'Secret', true),
      res('services', 'Service', true),
      res('serviceaccounts', 'ServiceAccount', true),
      res('serviceaccounts/token', 'TokenRequest', true, ['create']),
      res('pods', 'Pod', true),
      res('pods/log', 'Pod', true, ['get']),
      res('nodes', 'Node', false),
      res('resourcequotas', 'ResourceQuota', true),
    ],
  },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: ['apps', 'batch', 'rbac.authorization.k8s.io', 'scheduling.k8s.io', 'policy', 'networking.k8s.io', 'authorization.k8s.io', 'authentication.k8s.io'].map((g) => ({
      name: g,
      versions: [{ groupVersion: `${g}/v1`, version: 'v1' }],
      preferredVersion: { groupVersion: `${g}/v1`, version: 'v1' },
    })),
  },
  '/apis/apps/v1': { kind: 'APIResourceList', groupVersion: 'apps/v1', resources: [res('deployments', 'Deployment', true)] },
  '/apis/batch/v1': { kind: 'APIResourceList', groupVersion: 'batch/v1', resources: [res('jobs', 'Job', true), res('cronjobs', 'CronJob', true)] },
  '/apis/rbac.authorization.k8s.io/v1': {
    kind: 'APIResourceList',
    groupVersion: 'rbac.authorization.k8s.io/v1',
    resources: [res('roles', 'Role', true), res('rolebindings', 'RoleBinding', true), res('clusterroles', 'ClusterRole', false), res('clusterrolebindings', 'ClusterRoleBinding', false)],
  },
  '/apis/scheduling.k8s.io/v1': { kind: 'APIResourceList', groupVersion: 'scheduling.k8s.io/v1', resources: [res('priorityclasses', 'PriorityClass', false)] },
  '/apis/policy/v1': { kind: 'APIResourceList', groupVersion: 'policy/v1', resources: [res('poddisruptionbudgets', 'PodDisruptionBudget', true)] },
  '/apis/networking.k8s.io/v1': { kind: 'APIResourceList', groupVersion: 'networking.k8s.io/v1', resources: [res('ingresses', 'Ingress', true)] },
  '/apis/authorization.k8s.io/v1': {
    kind: 'APIResourceList',
    groupVersion: 'authorization.k8s.io/v1',
    resources: [res('selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, ['create']), res('selfsubjectrulesreviews', 'SelfSubjectRulesReview', false, ['create'])],
  },
  '/apis/authentication.k8s.io/v1': { kind: 'APIResourceList', groupVersion: 'authentication.k8s.io/v1', resources: [res('selfsubjectreviews', 'SelfSubjectReview', false, ['create'])] },
};

// a Helm release Secret (data.release = base64(gzip(release JSON))) for `helm uninstall`
const release = {
  name: 'web',
  namespace: 'default',
  version: 1,
  info: { status: 'deployed', first_deployed: '2024-05-01T12:00:00Z', last_deployed: '2024-05-01T12:00:00Z', description: 'Install complete' },
  chart: { metadata: { name: 'web', version: '0.1.0', apiVersion: 'v2' } },
  manifest: '',
  config: {},
};
const releaseSecret = {
  kind: 'Secret',
  apiVersion: 'v1',
  metadata: { name: 'sh.helm.release.v1.web.v1', namespace: 'default', resourceVersion: '5', labels: { owner: 'helm', name: 'web', status: 'deployed', version: '1' } },
  type: 'helm.sh/release.v1',
  data: { release: Buffer.from(gzipSync(Buffer.from(JSON.stringify(release))).toString('base64')).toString('base64') },
};
discovery['/version'] = { major: '1', minor: '35', gitVersion: 'v1.35.0' };
discovery['/api/v1/namespaces/default/secrets'] = { kind: 'SecretList', apiVersion: 'v1', metadata: { resourceVersion: '5' }, items: [releaseSecret] };
discovery['/api/v1/namespaces/default/secrets/sh.helm.release.v1.web.v1'] = releaseSecret;

let captured = [];
const server = http.createServer((req, resp) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const path = req.url.split('?')[0];
    if (req.method === 'GET') {
      const doc = discovery[path];
      resp.writeHead(doc ? 200 : 404, { 'content-type': 'application/json' });
      resp.end(JSON.stringify(doc ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
      return;
    }
    captured.push({ method: req.method, url: req.url, contentType: req.headers['content-type'] ?? '', body: body.toString('base64') });
    resp.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
    resp.end('{}');
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;

const commands = {
  namespace: ['create', 'namespace', 'team-a'],
  configmap: ['-n', 'default', 'create', 'configmap', 'cfg', '--from-literal=a=1', '--from-literal=b=two'],
  secret: ['-n', 'default', 'create', 'secret', 'generic', 's', '--from-literal=p=x'],
  'secret-docker-registry': ['-n', 'default', 'create', 'secret', 'docker-registry', 'reg', '--docker-server=registry.example', '--docker-username=u', '--docker-password=pw'],
  deployment: ['-n', 'default', 'create', 'deployment', 'web', '--image=nginx', '--replicas=2', '--port=80'],
  service: ['-n', 'default', 'create', 'service', 'clusterip', 'svc', '--tcp=80:8080'],
  'service-nodeport': ['-n', 'default', 'create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080'],
  serviceaccount: ['-n', 'default', 'create', 'serviceaccount', 'sa'],
  job: ['-n', 'default', 'create', 'job', 'j', '--image=busybox', '--', 'echo', 'hi'],
  cronjob: ['-n', 'default', 'create', 'cronjob', 'cj', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'],
  role: ['-n', 'default', 'create', 'role', 'r', '--verb=get', '--verb=list', '--resource=pods'],
  rolebinding: ['-n', 'default', 'create', 'rolebinding', 'rb', '--role=r', '--user=u', '--serviceaccount=default:sa'],
  clusterrole: ['create', 'clusterrole', 'cr', '--verb=get', '--resource=nodes', '--non-resource-url=/logs/*'],
  'clusterrole-aggregate': ['create', 'clusterrole', 'agg', '--aggregation-rule=rbac.example.com/aggregate=true'],
  clusterrolebinding: ['create', 'clusterrolebinding', 'crb', '--clusterrole=cr', '--group=g'],
  priorityclass: ['create', 'priorityclass', 'high', '--value=1000', '--description=important'],
  poddisruptionbudget: ['-n', 'default', 'create', 'poddisruptionbudget', 'pdb', '--selector=app=web', '--min-available=1'],
  ingress: ['-n', 'default', 'create', 'ingress', 'ing', '--rule=foo.com/bar=svc:80'],
  quota: ['-n', 'default', 'create', 'quota', 'q', '--hard=cpu=1,memory=1G,pods=2'],
  ssar: ['auth', 'can-i', 'create', 'pods'],
  'ssar-subresource': ['-n', 'default', 'auth', 'can-i', 'get', 'pods', '--subresource=log'],
  'ssar-nonresource': ['auth', 'can-i', 'get', '/healthz'],
  ssrr: ['-n', 'default', 'auth', 'can-i', '--list'],
  ssr: ['auth', 'whoami'],
  token: ['-n', 'default', 'create', 'token', 'sa', '--audience=api', '--duration=1h'],
  'delete-configmap': ['-n', 'default', 'delete', 'configmap', 'cfg', '--wait=false'],
};

mkdirSync(outDir, { recursive: true });
for (const [name, args] of Object.entries(commands)) {
  captured = [];
  // --validate=false keeps kubectl from fetching OpenAPI; only `create <generator>` has the flag
  const validate = args.includes('create') && !args.includes('auth') && !args.includes('token') ? ['--validate=false'] : [];
  const argv = ['--server', `http://127.0.0.1:${port}`, ...validate, ...args];
  const run = await kubectlRun(argv);
  const writes = captured.filter((c) => c.method !== 'GET');
  if (!writes.length) {
    console.error(`${name}: no request body captured (exit ${run.status}): ${run.stderr.trim()}`);
    continue;
  }
  const w = writes[0];
  const fixture = { command: `kubectl ${args.join(' ')}`, method: w.method, path: w.url.split('?')[0], contentType: w.contentType, body: w.body };
  // Go's own JSON for the same object: what a JSON client would have sent
  if (validate.length) {
    const sep = argv.indexOf('--');
    const dryArgv = sep < 0 ? [...argv, '--dry-run=client', '-o', 'json'] : [...argv.slice(0, sep), '--dry-run=client', '-o', 'json', ...argv.slice(sep)];
    const dry = await kubectlRun(dryArgv);
    if (dry.status === 0) fixture.json = JSON.parse(dry.stdout);
    else console.error(`${name}: dry-run failed: ${dry.stderr.trim()}`);
  }
  writeFileSync(join(outDir, `${name}.json`), JSON.stringify(fixture, null, 2) + '\n');
  console.log(`${name}: ${w.method} ${fixture.path} ${w.contentType} ${Buffer.from(w.body, 'base64').length} bytes${fixture.json ? ' (+ dry-run JSON)' : ''}`);
}
// Helm release storage: uninstall marks the release Secret "uninstalling" (PUT) and deletes it
if (helm) {
  captured = [];
  const dir = mkdtempSync(join(tmpdir(), 'gen-protobuf-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${port}` } }],
      contexts: [{ name: 'c', context: { cluster: 'c', namespace: 'default' } }],
      'current-context': 'c',
      users: [{ name: 'u', user: {} }],
    }),
  );
  const run = await kubectlRun(['--kubeconfig', kubeconfig, '-n', 'default', 'uninstall', 'web'], helm);
  const byMethod = (m) => captured.find((c) => c.method === m);
  for (const [name, method] of [['helm-release-update', 'PUT'], ['helm-release-delete', 'DELETE']]) {
    const w = byMethod(method);
    if (!w) {
      console.error(`${name}: nothing captured (exit ${run.status}): ${run.stderr.trim()}`);
      continue;
    }
    const fixture = { command: 'helm uninstall web', method: w.method, path: w.url.split('?')[0], contentType: w.contentType, body: w.body };
    writeFileSync(join(outDir, `${name}.json`), JSON.stringify(fixture, null, 2) + '\n');
    console.log(`${name}: ${w.method} ${fixture.path} ${w.contentType} ${Buffer.from(w.body, 'base64').length} bytes`);
  }
} else console.error('helm not found: skipping the Helm release-storage fixtures');
server.close();

function kubectlRun(argv, binary = kubectl) {
  return new Promise((resolve) => {
    const child = spawn(binary, argv, { env: { ...process.env, KUBECONFIG: '/dev/null' } });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stdout += d));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
