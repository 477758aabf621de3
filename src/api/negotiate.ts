// Content negotiation on Accept, as the apiserver's negotiation package does
// for the media types this server produces: JSON, YAML, protobuf, and Table for objects.
import { notAcceptable } from '../status/status';
import { PROTOBUF_MEDIA_TYPE } from '../protobuf';

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
const isProtobuf = (m: MediaRange) => !m.params.as && m.type === PROTOBUF_MEDIA_TYPE;
const isPlain = (m: MediaRange) => !m.params.as && ['application/json', 'application/*', '*/*'].includes(m.type);
const isYaml = (m: MediaRange) => !m.params.as && m.type === 'application/yaml';

export type ObjectFormat = 'table' | 'json' | 'yaml' | 'protobuf';

/**
 * The first media type in the client's order that this answer has: a Table
 * (objects and lists of kinds with columns), protobuf (kinds with a protobuf
 * form: every built-in kind), or JSON; 406 when nothing fits.
 */
export function negotiateObject(accept: string | null | undefined, tableAllowed: boolean, protobufAllowed = false): ObjectFormat {
  for (const m of parseAccept(accept)) {
    if (isTable(m)) { if (tableAllowed) return 'table'; continue; }
    if (isProtobuf(m)) { if (protobufAllowed) return 'protobuf'; continue; }
    if (isYaml(m)) return 'yaml';
    if (isPlain(m)) return 'json';
  }
  const accepted = ['application/json', 'application/yaml', ...(protobufAllowed ? [PROTOBUF_MEDIA_TYPE] : []), ...(tableAllowed ? ['application/json;as=Table;v=v1;g=meta.k8s.io'] : [])];
  throw notAcceptable(`only the following media types are accepted: ${accepted.join(', ')}`);
}

/** The form of an error's Status: protobuf or YAML when the client names it before any JSON type. */
export function errorFormat(accept: string | null | undefined): 'json' | 'yaml' | 'protobuf' {
  for (const m of parseAccept(accept)) {
    if (isProtobuf(m)) return 'protobuf';
    if (isYaml(m)) return 'yaml';
    if (isPlain(m) || isTable(m)) return 'json';
  }
  return 'json';
}

export function wantsAggregatedDiscovery(accept: string | null | undefined): 'v2' | 'v2beta1' | undefined {
  for (const m of parseAccept(accept)) {
    if (m.type === 'application/json' && m.params.g === 'apidiscovery.k8s.io' && m.params.as === 'APIGroupDiscoveryList') {
      if (m.params.v === 'v2' || m.params.v === 'v2beta1') return m.params.v;
      continue;
    }
    if (isPlain(m) || isYaml(m)) return undefined;
  }
  return undefined;
}
