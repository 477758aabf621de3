// Answers in the media type the client negotiated: JSON as stored, YAML, or
// the Kubernetes protobuf form of the same object (kubectl's and client-go's
// typed clients ask for protobuf first).
import type { Context } from 'hono';
import { encodeObject, hasProtobufForm, PROTOBUF_MEDIA_TYPE } from '../protobuf';
import type { ObjectFormat } from './negotiate';
import { jsonToYaml } from '../request/yaml';

/** The body of an object (or list, or Status) answer in a negotiated non-Table format. */
export function encodeAnswer(format: Exclude<ObjectFormat, 'table'>, text: string): { body: string | Uint8Array; contentType: string } {
  if (format === 'protobuf') {
    const obj = JSON.parse(text) as Record<string, unknown>;
    // every served kind has a protobuf form (test/unit/protobuf-upstream.test.ts); anything else stays JSON
    if (hasProtobufForm(String(obj.apiVersion ?? ''), String(obj.kind ?? ''))) return { body: encodeObject(obj, { goDefaults: true }), contentType: PROTOBUF_MEDIA_TYPE };
  }
  if (format === 'yaml') return { body: jsonToYaml(JSON.parse(text)), contentType: 'application/yaml' };
  return { body: text, contentType: 'application/json' };
}

/** Sends an answer in the negotiated format. */
export function send(c: Context, format: Exclude<ObjectFormat, 'table'>, text: string, status: 200 | 201): Response {
  const { body, contentType } = encodeAnswer(format, text);
  return c.body(body as string, status, { 'Content-Type': contentType });
}
