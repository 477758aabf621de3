// Pieces several definitions share: the Age column, config-key checks,
// container and pod-template validation used by pods and every workload kind.
import type { KObject, SubresourceDefinition, TableColumn } from '../types';
import { Errors, dns1123Label, isCIdentifier, isEnvVarName, labelValue, qualifiedName } from '../validation';
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
  // ValidateLabels: keys and values, both reported at matchLabels itself.
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    for (const m of qualifiedName(k)) e.invalid(`${field}.matchLabels`, k, m);
    for (const m of labelValue(String(v))) e.invalid(`${field}.matchLabels`, v, m);
  }
  e.array(sel, 'matchExpressions', `${field}.matchExpressions`).forEach((x, i) => {
    const f = `${field}.matchExpressions[${i}]`;
    const vals = Array.isArray(x?.values) ? x.values : [];
    if (x?.operator === 'In' || x?.operator === 'NotIn') {
      if (vals.length === 0) e.required(`${f}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\'');
    } else if (x?.operator === 'Exists' || x?.operator === 'DoesNotExist') {
      if (vals.length > 0) e.forbidden(`${f}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\'');
    } else {
      e.invalid(`${f}.operator`, x?.operator ?? '', 'not a valid selector operator');
    }
    for (const m of qualifiedName(String(x?.key ?? ''))) e.invalid(`${f}.key`, x?.key ?? '', m);
    vals.forEach((v: unknown, j: number) => { for (const m of labelValue(String(v))) e.invalid(`${f}.values[${j}]`, v, m); });
  });
}

/** Renders a LabelSelector the way kubectl's printers do ("app=web,tier in (a,b)"; "<none>" when empty), requirements sorted by key. */
export function formatLabelSelector(sel: KObject | undefined): string {
  if (!sel) return '<none>';
  const parts: [string, string][] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) parts.push([k, `${k}=${v}`]);
  for (const x of sel.matchExpressions ?? []) {
    const vals = (x.values ?? []).slice().sort().join(',');
    if (x.operator === 'In') parts.push([x.key, `${x.key} in (${vals})`]);
    else if (x.operator === 'NotIn') parts.push([x.key, `${x.key} notin (${vals})`]);
    else if (x.operator === 'Exists') parts.push([x.key, x.key]);
    else if (x.operator === 'DoesNotExist') parts.push([x.key, `!${x.key}`]);
  }
  parts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return parts.length ? parts.map((p) => p[1]).join(',') : '<none>';
}

/** A metav1.Time on the wire: RFC 3339 in whole seconds. */
export const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** labels.FormatLabels: a plain map, keys sorted; "<none>" when empty. */
export function formatLabels(m: Record<string, string> | undefined | null): string {
  const keys = Object.keys(m ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${m![k]}`).join(',') : '<none>';
}

/** Whether a LabelSelector selects a label set. */
export function selectorMatches(sel: KObject | undefined, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const x of sel?.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, x.key);
    const inVals = has && (x.values ?? []).includes(l[x.key]);
    if (x.operator === 'In' && !inVals) return false;
    if (x.operator === 'NotIn' && inVals) return false;
    if (x.operator === 'Exists' && !has) return false;
    if (x.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const selectorIsEmpty = (sel: KObject | undefined) => Object.keys(sel?.matchLabels ?? {}).length + (sel?.matchExpressions ?? []).length === 0;

/** The images / container names columns of workload printers. */
export const containerNames = (spec: KObject | undefined) => (spec?.containers ?? []).map((c: KObject) => c.name).join(',');
export const containerImages = (spec: KObject | undefined) => (spec?.containers ?? []).map((c: KObject) => c.image).join(',');

/** A table column; priority 1 columns are the -o wide ones. */
export function col(name: string, type: TableColumn['type'], description: string, cell: TableColumn['cell'], priority = 0): TableColumn {
  return priority ? { name, type, description, priority, cell } : { name, type, description, cell };
}

/** The column kube's default table convertor prints for kinds without a printer. */
export const CREATED_AT_COLUMN: TableColumn = {
  name: 'Created At', type: 'date',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.',
  cell: (o) => o.metadata?.creationTimestamp ?? null,
};

/** The -o wide Containers / Images (/ Selector) columns of workload printers. */
export function templateColumns(podSpec: (o: KObject) => KObject | undefined, selector?: (o: KObject) => string): TableColumn[] {
  const cols = [
    col('Containers', 'string', 'Names of each container in the template.', (o) => containerNames(podSpec(o)), 1),
    col('Images', 'string', 'Images referenced by each container in the template.', (o) => containerImages(podSpec(o)), 1),
  ];
  if (selector) cols.push(col('Selector', 'string', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', selector, 1));
  return cols;
}

export const statusSubresource = (kind: string): SubresourceDefinition => ({ name: 'status', kind, verbs: ['get', 'patch', 'update'] });

export const SCALE_SUBRESOURCE: SubresourceDefinition = { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] };

/** The selector of a workload spec: required, well formed and, for most kinds, not empty. */
export function validateWorkloadSelector(e: Errors, sel: KObject | undefined, field: string, kind: string) {
  if (!sel || typeof sel !== 'object') { e.required(field); return; }
  validateLabelSelector(e, sel, field);
  if (selectorIsEmpty(sel)) e.invalid(field, sel, `empty selector is invalid for ${kind}`);
}

/**
 * ValidatePodTemplateSpecForReplicaSet and its siblings: the template must exist, be selected by
 * the selector, be a valid pod spec, use an allowed restart policy and not set activeDeadlineSeconds.
 */
export function validateWorkloadTemplate(e: Errors, template: KObject | undefined, selector: KObject | undefined, field: string, opts: { restartPolicies: string[]; owner?: string }) {
  if (!template || typeof template !== 'object') { e.required(field); return; }
  if (selector && !selectorIsEmpty(selector) && !selectorMatches(selector, template.metadata?.labels)) {
    e.invalid(`${field}.metadata.labels`, template.metadata?.labels ?? null, '`selector` does not match template `labels`');
  }
  validatePodSpec(e, template.spec, `${field}.spec`);
  const rp = template.spec?.restartPolicy;
  if (rp !== undefined && ['Always', 'OnFailure', 'Never'].includes(rp) && !opts.restartPolicies.includes(rp)) {
    e.notSupported(`${field}.spec.restartPolicy`, rp, opts.restartPolicies);
  }
  if (opts.owner && template.spec?.activeDeadlineSeconds !== undefined && template.spec?.activeDeadlineSeconds !== null) {
    e.forbidden(`${field}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${opts.owner} is not Supported`);
  }
}

/** Kubernetes quantities are strings on the wire; a missing one prints as "0". */
export const quantity = (q: unknown): string => (q === undefined || q === null ? '0' : String(q));

/** "a,b,c + 2 more..." as kube's list printers shorten long lists; "<unset>" when empty. */
export function listWithMore(items: string[], max = 3, empty = '<unset>'): string {
  if (items.length === 0) return empty;
  const shown = items.slice(0, max).join(',');
  return items.length > max ? `${shown} + ${items.length - max} more...` : shown;
}

/** Workload selectors cannot change after creation (every apps/v1 kind). */
export function selectorIsImmutable(n: KObject, o: KObject) {
  const e = new Errors();
  e.immutable(n, o, ['spec', 'selector']);
  return e.list;
}
