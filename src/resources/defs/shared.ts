// Pieces several definitions share: the Age column, config-key checks,
// container and pod-template validation used by pods and every workload kind.
import type { KObject, TableColumn } from '../types';
import { Errors, dns1123Label, isCIdentifier, isEnvVarName } from '../validation';
import { age } from '../../table/age';

export const ageOf = (o: KObject, now: number) => age(o.metadata?.creationTimestamp, now);

export const AGE_COLUMN: TableColumn = {
  name: 'Age', type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.',
  cell: ageOf,
};

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/** Keys of ConfigMap/Secret data: validation.IsConfigMapKey. */
export function validateDataKeys(e: Errors, data: unknown, field: string) {
  if (data === undefined || data === null) return;
  if (typeof data !== 'object' || Array.isArray(data)) { e.typeInvalid(field, data, 'must be an object'); return; }
  for (const [k, v] of Object.entries(data)) {
    if (k.length > 253) e.invalid(`${field}[${k}]`, k, 'must be no more than 253 characters');
    if (!CONFIG_KEY.test(k)) e.invalid(`${field}[${k}]`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
    if (typeof v !== 'string') e.typeInvalid(`${field}[${k}]`, v, 'must be a string');
  }
}

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

/** SetDefaults for a container list: port protocol TCP, pull policy, termination message defaults. */
export function defaultContainers(containers: unknown) {
  if (!Array.isArray(containers)) return;
  for (const c of containers) {
    if (!c || typeof c !== 'object') continue;
    for (const p of Array.isArray(c.ports) ? c.ports : []) if (p && typeof p === 'object' && p.protocol === undefined) p.protocol = 'TCP';
    if (c.imagePullPolicy === undefined && typeof c.image === 'string') {
      const tag = c.image.includes('@') ? 'digest' : (c.image.split('/').pop() ?? '').split(':')[1];
      c.imagePullPolicy = tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
    }
    if (c.terminationMessagePath === undefined) c.terminationMessagePath = '/dev/termination-log';
    if (c.terminationMessagePolicy === undefined) c.terminationMessagePolicy = 'File';
    if (c.resources === undefined) c.resources = {};
  }
}

/** SetDefaults_PodSpec: what the API server fills into every pod spec (and template spec). */
export function defaultPodSpec(spec: KObject | undefined) {
  if (!spec || typeof spec !== 'object') return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  if (spec.serviceAccountName && spec.serviceAccount === undefined) spec.serviceAccount = spec.serviceAccountName;
  defaultContainers(spec.containers);
  defaultContainers(spec.initContainers);
}

/** ValidatePodSpec, the essential part: containers with unique names and images, ports, env, restart policy. */
export function validatePodSpec(e: Errors, spec: KObject | undefined, field: string) {
  if (!spec || typeof spec !== 'object') { e.required(field); return; }
  const containers = e.array(spec, 'containers', `${field}.containers`);
  if (containers.length === 0) e.required(`${field}.containers`);
  const names = new Set<string>();
  const check = (list: KObject[], f: string) => list.forEach((c, i) => {
    const cf = `${f}[${i}]`;
    if (!c || typeof c !== 'object') { e.typeInvalid(cf, c, 'must be an object'); return; }
    const name = e.requireString(c, 'name', `${cf}.name`);
    if (name !== undefined) {
      e.check(`${cf}.name`, name, dns1123Label);
      if (names.has(name)) e.duplicate(`${cf}.name`, name);
      names.add(name);
    }
    e.requireString(c, 'image', `${cf}.image`);
    const ports = e.array(c, 'ports', `${cf}.ports`);
    const portNames = new Set<string>();
    ports.forEach((p, j) => {
      const pf = `${cf}.ports[${j}]`;
      const n = p?.containerPort;
      if (n === undefined) e.required(`${pf}.containerPort`);
      else if (!Number.isInteger(n) || n < 1 || n > 65535) e.invalid(`${pf}.containerPort`, n, 'must be between 1 and 65535, inclusive');
      if (p?.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) e.notSupported(`${pf}.protocol`, p.protocol, PROTOCOLS);
      if (p?.name !== undefined) {
        if (typeof p.name !== 'string' || p.name.length > 15 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(p.name) || !/[a-z]/.test(p.name)) e.invalid(`${pf}.name`, p.name, 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), at most 15 characters, at least one letter');
        else if (portNames.has(p.name)) e.duplicate(`${pf}.name`, p.name);
        portNames.add(p?.name);
      }
    });
    e.array(c, 'env', `${cf}.env`).forEach((env, j) => {
      const ef = `${cf}.env[${j}].name`;
      const n = e.requireString(env, 'name', ef);
      if (n !== undefined && !isEnvVarName(n)) e.invalid(ef, n, "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')");
    });
  });
  check(containers, `${field}.containers`);
  check(e.array(spec, 'initContainers', `${field}.initContainers`), `${field}.initContainers`);
  const rp = spec.restartPolicy;
  if (rp !== undefined && !['Always', 'OnFailure', 'Never'].includes(rp)) e.notSupported(`${field}.restartPolicy`, rp, ['Always', 'OnFailure', 'Never']);
  const dp = spec.dnsPolicy;
  if (dp !== undefined && !['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'].includes(dp)) e.notSupported(`${field}.dnsPolicy`, dp, ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']);
  const vols = new Set<string>();
  e.array(spec, 'volumes', `${field}.volumes`).forEach((v, i) => {
    const n = e.requireString(v, 'name', `${field}.volumes[${i}].name`);
    if (n !== undefined) {
      e.check(`${field}.volumes[${i}].name`, n, dns1123Label);
      if (vols.has(n)) e.duplicate(`${field}.volumes[${i}].name`, n);
      vols.add(n);
    }
  });
  if (spec.activeDeadlineSeconds !== undefined && !(Number.isInteger(spec.activeDeadlineSeconds) && spec.activeDeadlineSeconds > 0)) e.invalid(`${field}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive');
  void isCIdentifier;
}

/** A label selector ({matchLabels, matchExpressions}) used in workload specs. */
export function validateLabelSelector(e: Errors, sel: KObject | undefined, field: string, required = true) {
  if (!sel || typeof sel !== 'object') { if (required) e.required(field); return; }
  const ops = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
  e.array(sel, 'matchExpressions', `${field}.matchExpressions`).forEach((x, i) => {
    const f = `${field}.matchExpressions[${i}]`;
    if (!ops.includes(x?.operator)) e.notSupported(`${f}.operator`, x?.operator ?? '', ops);
    const vals = Array.isArray(x?.values) ? x.values : [];
    if ((x?.operator === 'In' || x?.operator === 'NotIn') && vals.length === 0) e.required(`${f}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\'');
    if ((x?.operator === 'Exists' || x?.operator === 'DoesNotExist') && vals.length > 0) e.forbidden(`${f}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\'');
  });
}

/** Renders a LabelSelector the way kubectl's printers do ("app=web,tier in (a,b)"; "<none>" when empty). */
export function formatLabelSelector(sel: KObject | undefined): string {
  if (!sel) return '<none>';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const x of sel.matchExpressions ?? []) {
    const vals = (x.values ?? []).slice().sort().join(',');
    if (x.operator === 'In') parts.push(`${x.key} in (${vals})`);
    else if (x.operator === 'NotIn') parts.push(`${x.key} notin (${vals})`);
    else if (x.operator === 'Exists') parts.push(x.key);
    else if (x.operator === 'DoesNotExist') parts.push(`!${x.key}`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

/** The images / container names columns of workload printers. */
export const containerNames = (spec: KObject | undefined) => (spec?.containers ?? []).map((c: KObject) => c.name).join(',');
export const containerImages = (spec: KObject | undefined) => (spec?.containers ?? []).map((c: KObject) => c.image).join(',');
