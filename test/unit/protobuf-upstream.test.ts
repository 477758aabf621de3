// Every served kind, in every served version, against kube's own protobuf
// compatibility fixtures (kubernetes/api v0.35.0 testdata/HEAD, copied by
// scripts/gen-protobuf-descriptors.mjs): the protobuf body decodes to
// exactly its JSON twin, and the JSON encodes to exactly client-go's bytes.

import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf, encodeObject, messageForKind } from '../../src/protobuf';
import { definitions } from '../../src/resources/registry';
import upstream from '../fixtures/protobuf/upstream.json';

const FIXTURES = (upstream as unknown as { fixtures: Record<string, { pb: string; json: Record<string, unknown> }> }).fixtures;

/** group/version/kind of every kind a client sends or receives: served kinds, what their subresources take, Status. */
function servedKinds(): { group: string; version: string; kind: string }[] {
  const out = new Map<string, { group: string; version: string; kind: string }>();
  const add = (group: string, version: string, kind: string) => out.set(`${group}/${version}/${kind}`, { group, version, kind });
  for (const d of definitions()) {
    if (d.protobuf === false) continue; // JSON only (CustomResourceDefinition)
    add(d.group, d.version, d.kind);
    for (const s of d.subresources ?? []) if (messageForKind(apiVersion(s.group ?? d.group, s.version ?? d.version), s.kind)) add(s.group ?? d.group, s.version ?? d.version, s.kind);
  }
  add('', 'v1', 'Status'); // errors and deletions are answered with it
  return [...out.values()];
}

const apiVersion = (group: string, version: string) => (group ? `${group}/${version}` : version);
const fixture = (group: string, version: string, kind: string) => FIXTURES[`${group || 'core'}.${version}.${kind}`];
const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

const sortKeys = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])])) : v;

describe('upstream protobuf fixtures of every served kind', () => {
  const kinds = servedKinds();

  it('every served kind has a protobuf form and an upstream fixture', () => {
    const missing = kinds.filter((k) => !messageForKind(apiVersion(k.group, k.version), k.kind) || !fixture(k.group, k.version, k.kind));
    expect(missing).toEqual([]);
    expect(kinds.length).toBeGreaterThan(40);
  });

  it.each(kinds.map((k) => [`${apiVersion(k.group, k.version)} ${k.kind}`, k] as const))('%s', (_label, k) => {
    const { pb: b64, json } = fixture(k.group, k.version, k.kind);
    const pb = bytes(b64);
    const decoded = decodeKubernetesProtobuf(pb);
    expect(decoded.apiVersion).toBe(apiVersion(k.group, k.version));
    expect(decoded.kind).toBe(k.kind);
    expect(sortKeys(decoded.object)).toEqual(sortKeys(json));
    expect([...encodeObject(json, { goDefaults: true })]).toEqual([...pb]);
  });
});
