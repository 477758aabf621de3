// For every served kind and version (the resource table drives the list), a
// minimal object is created twice: once as JSON and once as the protobuf body
// client-go would send (every non-pointer field written with its zero value,
// as Go's generated marshalling does; the encoder reproduces kube's own
// fixtures byte for byte, see protobuf-upstream.test.ts). Both must be stored
// and answered as the same object.

import { describe, expect, it, beforeAll } from 'vitest';
import { encodeObject } from '../../src/protobuf';
import { definitions, gvString } from '../../src/resources/registry';
import type { ResourceDefinition } from '../../src/resources/types';
import { api, mkns, type J } from './helpers';
import { MINIMAL } from './minimal-objects';

const NS = 'pb-twins';

const collectionPath = (d: ResourceDefinition, ns: string) =>
  `${d.group ? `/apis/${d.group}/${d.version}` : '/api/v1'}${d.namespaced ? `/namespaces/${ns}` : ''}/${d.resource}`;

/** What differs between two creations of the same object by nature: identity, times, and names derived from them. */
function normalize(obj: J, name: string): J {
  let text = JSON.stringify(obj).replaceAll(name, 'NAME');
  if (obj.metadata?.uid) text = text.replaceAll(obj.metadata.uid, 'UID'); // a Job's controller-uid labels
  const o = JSON.parse(text);
  if (o.metadata) {
    for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields']) delete o.metadata[k];
  }
  // generated values (a Service's clusterIP, an IPAddress name) are not part of the encoding
  if (o.spec?.clusterIP) {
    delete o.spec.clusterIP;
    delete o.spec.clusterIPs;
  }
  if (o.status?.token) delete o.status.token;
  // a time the server stamps (a PersistentVolume's phase change) may fall in another second
  if (o.status?.lastPhaseTransitionTime) o.status.lastPhaseTransitionTime = 'TIME';
  return o;
}

describe('protobuf and JSON twins of every served kind', () => {
  beforeAll(() => mkns(NS));
  // virtual kinds (bindings) act on other objects; test/unit/core-virtual.test.ts covers them
  // kinds served as JSON only (CustomResourceDefinition) have no protobuf twin
  const creatable = definitions().filter((d) => !d.virtual && d.protobuf !== false && (d.verbs ?? ['create']).includes('create'));

  it('the minimal-object table covers every creatable kind', () => {
    expect(creatable.filter((d) => !MINIMAL[`${gvString(d)}/${d.resource}`]).map((d) => `${gvString(d)}/${d.resource}`)).toEqual([]);
  });

  it.each(creatable.map((d) => [`${gvString(d)} ${d.kind}`, d] as const))('%s', async (_label, d) => {
    const make = MINIMAL[`${gvString(d)}/${d.resource}`];
    // core and events.k8s.io Events share their storage
    const prefix = `${d.group.split('.')[0] || 'core'}-${d.version}-${d.resource.slice(0, 16)}`;
    const jsonName = `${prefix}-json`;
    const pbName = `${prefix}-pb`;
    const asJson = make(jsonName, NS);
    const asPb = make(pbName, NS);
    if (d.resource === 'ipaddresses') asPb.metadata.name = asJson.metadata.name.replace(/\.\d+$/, (m: string) => `.${(Number(m.slice(1)) % 250) + 2}`);
    const path = collectionPath(d, NS);
    const j = await api('POST', path, asJson);
    expect([200, 201], JSON.stringify(j.body)).toContain(j.status);
    const body = encodeObject(asPb, { goDefaults: true });
    const p = await api('POST', path, body, { 'content-type': 'application/vnd.kubernetes.protobuf', accept: 'application/json' });
    expect(p.status, JSON.stringify(p.body)).toBe(j.status);
    const names = (o: J) => [o.metadata?.name ?? ''].filter(Boolean);
    const [jn] = names(j.body);
    const [pn] = names(p.body);
    let jo = normalize(j.body, jn ?? jsonName);
    let po = normalize(p.body, pn ?? pbName);
    if (d.resource === 'ipaddresses') {
      delete jo.metadata.name;
      delete po.metadata.name;
    }
    expect(po).toEqual(jo);
    if (!jn) return; // review kinds answer and store nothing
    // read back: the stored protobuf-created object is the one the create answered
    const got = await api('GET', `${path}/${pn}`);
    expect(got.status).toBe(200);
    jo = normalize(got.body, pn);
    po = normalize(p.body, pn);
    expect(jo.spec ?? jo).toEqual(po.spec ?? po);
  });
});
