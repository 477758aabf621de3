// Content negotiation on Accept, as the apiserver's negotiation package does
// for the media types this server produces: JSON, and Table for objects.
import { notAcceptable } from '../status/status';

export interface MediaRange { type: string; params: Record<string, string> }

export function parseAccept(header: string | null | undefined): MediaRange[] {
  if (!header) return [{ type: '*/*', params: {} }];
  return header.split(',').map((part) => {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) { const i = p.indexOf('='); if (i > 0) params[p.slice(0, i).trim()] = p.slice(i + 1).trim(); }
    return { type: type.toLowerCase(), params };
  }).filter((m) => m.type !== '');
}

const isTable = (m: MediaRange) => m.type === 'application/json' && m.params.as === 'Table' && m.params.g === 'meta.k8s.io' && (m.params.v === 'v1' || m.params.v === 'v1beta1');
const isPlain = (m: MediaRange) => !m.params.as && ['application/json', 'application/*', '*/*', 'application/vnd.kubernetes.protobuf', 'application/yaml'].includes(m.type);

/** 'table' or 'json' for a response that is an object or list; 406 when nothing fits. */
export function negotiateObject(accept: string | null | undefined, tableAllowed: boolean): 'table' | 'json' {
  for (const m of parseAccept(accept)) {
    if (isTable(m)) { if (tableAllowed) return 'table'; continue; }
    if (isPlain(m)) return 'json';
  }
  throw notAcceptable(tableAllowed ? 'only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io' : 'only the following media types are accepted: application/json');
}

export function wantsAggregatedDiscovery(accept: string | null | undefined): 'v2' | 'v2beta1' | undefined {
  for (const m of parseAccept(accept)) {
    if (m.type === 'application/json' && m.params.g === 'apidiscovery.k8s.io' && m.params.as === 'APIGroupDiscoveryList') {
      if (m.params.v === 'v2' || m.params.v === 'v2beta1') return m.params.v;
      continue;
    }
    if (isPlain(m)) return undefined;
  }
  return undefined;
}
