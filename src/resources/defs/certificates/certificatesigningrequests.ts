import type { KObject, ResourceDefinition } from '../../types';
import { Errors, dns1123Subdomain } from '../../validation';
import { AGE_COLUMN, col, statusSubresource } from '../shared';
import { humanDuration } from '../../../table/age';
import { LEGACY_UNKNOWN_SIGNER, parseCertificateRequest, pemBlocks, requestPem } from '../../../certificates/x509';

// pkg/registry/certificates/certificates (strategy, status and approval
// strategies), pkg/apis/certificates/validation and printCertificateSigningRequest.

const USAGES = [
  'signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment',
  'cert sign', 'crl sign', 'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing',
  'email protection', 's/mime', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing',
  'microsoft sgc', 'netscape sgc',
];
const APPROVAL = new Set(['Approved', 'Denied']);
/** Conditions that, once added, stay. */
const STICKY = new Set(['Approved', 'Denied', 'Failed']);

const conditions = (o: KObject | undefined): KObject[] => (Array.isArray(o?.status?.conditions) ? o!.status.conditions : []);

/** extractCSRStatus: Approved/Denied/Failed in that order, Pending when none, Issued once there is a certificate. */
export function csrCondition(o: KObject): string {
  const seen = new Set(conditions(o).filter((c) => c?.status === 'True' || c?.status === undefined).map((c) => c?.type));
  const out = ['Approved', 'Denied', 'Failed'].filter((t) => seen.has(t));
  if (out.length === 0) out.push('Pending');
  if (o.status?.certificate) out.push('Issued');
  return out.join(',');
}

export const isApproved = (o: KObject) => conditions(o).some((c) => c.type === 'Approved' && c.status === 'True');
export const isDenied = (o: KObject) => conditions(o).some((c) => c.type === 'Denied' && c.status === 'True');
export const isFailed = (o: KObject) => conditions(o).some((c) => c.type === 'Failed' && c.status === 'True');

/** A status with these conditions; none is no `conditions` field, as Go's omitempty writes it. */
function withConditions(status: KObject | undefined, list: KObject[]): KObject {
  const { conditions: _old, ...rest } = status ?? {};
  return list.length ? { ...rest, conditions: list } : rest;
}

/** Conditions get their timestamps from the server when a client leaves them out. */
function populateConditionTimestamps(next: KObject, old: KObject) {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  for (const c of conditions(next)) {
    if (!c || typeof c !== 'object') continue;
    c.lastUpdateTime ??= now;
    if (c.lastTransitionTime) continue;
    const before = conditions(old).find((o) => o.type === c.type);
    c.lastTransitionTime = before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now;
  }
}

/** The approval strategy: only Approved and Denied conditions come from the request; everything else stays. */
export function applyApproval(next: KObject, old: KObject): KObject {
  const result = structuredClone(old);
  const wanted = conditions(next).filter((c) => APPROVAL.has(c?.type));
  result.status = withConditions(old.status, [...wanted, ...conditions(old).filter((c) => !APPROVAL.has(c.type))]);
  populateConditionTimestamps(result, old);
  return result;
}

function validateSignerName(e: Errors, v: unknown) {
  const field = 'spec.signerName';
  if (v === undefined || v === null || v === '') { e.required(field); return; }
  if (typeof v !== 'string') { e.typeInvalid(field, v, 'must be a string'); return; }
  const slash = v.indexOf('/');
  if (slash < 0) { e.invalid(field, v, "must be a fully qualified domain and path of the form 'example.com/signer-name'"); return; }
  const domain = v.slice(0, slash);
  for (const m of dns1123Subdomain(domain)) e.invalid(field, v, `should be a domain with at least two segments separated by dots: ${m}`);
  if (!domain.includes('.')) e.invalid(field, v, 'should be a domain with at least two segments separated by dots');
  if (v === LEGACY_UNKNOWN_SIGNER) e.invalid(field, v, 'the legacy signerName is not allowed via this API version');
}

function validateConditions(e: Errors, obj: KObject) {
  const seen = new Set<string>();
  conditions(obj).forEach((c, i) => {
    const f = `status.conditions[${i}]`;
    if (!c?.type) { e.required(`${f}.type`); return; }
    if (seen.has(c.type)) e.duplicate(`${f}.type`, c.type);
    seen.add(c.type);
    if (!['True', 'False', 'Unknown'].includes(c.status)) e.notSupported(`${f}.status`, c.status ?? '', ['False', 'True', 'Unknown']);
    else if (STICKY.has(c.type) && c.status !== 'True') e.invalid(`${f}.status`, c.status, `${c.type} conditions may only be set to "True"`);
  });
  if (seen.has('Approved') && seen.has('Denied')) e.invalid('status.conditions', 'Approved', 'Approved and Denied conditions are mutually exclusive');
}

function validateCertificate(e: Errors, obj: KObject) {
  const cert = obj.status?.certificate;
  if (cert === undefined || cert === null || cert === '') return;
  let text: string;
  try { text = atob(cert); } catch { e.invalid('status.certificate', '<certificate data>', 'must be base64 encoded'); return; }
  const blocks = pemBlocks(text);
  if (blocks.length === 0) e.invalid('status.certificate', '<certificate data>', 'must contain at least one CERTIFICATE PEM block');
  else if (blocks.some((b) => b.label !== 'CERTIFICATE')) e.invalid('status.certificate', '<certificate data>', 'only CERTIFICATE PEM blocks are allowed');
}

export const certificatesigningrequests: ResourceDefinition = {
  group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest', resource: 'certificatesigningrequests', singular: 'certificatesigningrequest',
  namespaced: false, shortNames: ['csr'], hasGeneration: false, statusSubresource: true,
  subresources: [statusSubresource('CertificateSigningRequest'), { name: 'approval', kind: 'CertificateSigningRequest', verbs: ['get', 'patch', 'update'] }],
  selectableFields: { 'spec.signerName': (o) => o.spec?.signerName ?? '' },
  prepareForCreate(obj, user) {
    // Who asked is recorded by the server, never taken from the client.
    obj.status = {};
    obj.spec ??= {};
    for (const k of ['username', 'uid', 'groups', 'extra']) delete obj.spec[k];
    if (user) {
      obj.spec.username = user.username;
      if (user.uid) obj.spec.uid = user.uid;
      obj.spec.groups = [...user.groups];
      if (user.extra && Object.keys(user.extra).length) obj.spec.extra = structuredClone(user.extra);
    }
  },
  prepareForUpdate(next, old) {
    // The spec is immutable and the status has its own subresources.
    next.spec = old.spec;
    next.status = old.status;
  },
  prepareForStatusUpdate(next, old) {
    next.spec = old.spec;
    // Approval belongs to the approval subresource.
    const kept = conditions(old).filter((c) => APPROVAL.has(c.type));
    next.status = withConditions(next.status, [...kept, ...conditions(next).filter((c) => !APPROVAL.has(c?.type))]);
    populateConditionTimestamps(next, old);
  },
  validate(obj) {
    const e = new Errors();
    const spec = obj.spec ?? {};
    const pem = requestPem(obj);
    if (!spec.request) e.required('spec.request');
    else {
      try { parseCertificateRequest(pem); } catch (err) { e.invalid('spec.request', '<request data>', err instanceof Error ? err.message : String(err)); }
    }
    validateSignerName(e, spec.signerName);
    const x = spec.expirationSeconds;
    if (x !== undefined && x !== null && (!Number.isInteger(x) || x < 600)) e.invalid('spec.expirationSeconds', x, 'may not specify a duration less than 600 seconds (10 minutes)');
    const usages = e.array(spec, 'usages', 'spec.usages');
    if (usages.length === 0) e.required('spec.usages');
    const seen = new Set<unknown>();
    (usages as unknown[]).forEach((u, i) => {
      if (typeof u !== 'string' || !USAGES.includes(u)) e.notSupported(`spec.usages[${i}]`, u, USAGES);
      else if (seen.has(u)) e.duplicate(`spec.usages[${i}]`, u);
      seen.add(u);
    });
    validateConditions(e, obj);
    validateCertificate(e, obj);
    if (obj.status?.certificate && !isApproved(obj)) e.forbidden('status.certificate', 'updates may not set certificate content unless the Approved condition is present');
    return e.list;
  },
  validateUpdate(next, old) {
    const e = new Errors();
    for (const c of conditions(old)) {
      if (!STICKY.has(c.type)) continue;
      if (!conditions(next).some((n) => n.type === c.type)) e.forbidden('status.conditions', `updates may not remove a condition of type "${c.type}"`);
    }
    const before = old.status?.certificate;
    if (before && next.status?.certificate !== before) e.forbidden('status.certificate', 'updates may not modify existing certificate content');
    return e.list;
  },
  columns: [
    AGE_COLUMN,
    col('SignerName', 'string', 'Only use this signer.', (o) => o.spec?.signerName ?? ''),
    col('Requestor', 'string', 'Request originator.', (o) => o.spec?.username ?? ''),
    col('RequestedDuration', 'string', 'Requested certificate duration.', (o) => (o.spec?.expirationSeconds ? humanDuration(o.spec.expirationSeconds * 1000) : '<none>')),
    col('Condition', 'string', 'Request status (Pending, Approved, Denied, Issued or Failed).', csrCondition),
  ],
};
