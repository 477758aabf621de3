// Kubernetes protobuf request bodies (Content-Type application/vnd.kubernetes.protobuf):
// the magic "k8s\0", then a runtime.Unknown {1: TypeMeta{1: apiVersion, 2: kind},
// 2: raw (the object's message), 3: contentEncoding, 4: contentType}.
// kubectl's typed clients (create ns/cm/secret/deployment/..., auth can-i, create token)
// and Helm's release storage send these; there is no JSON fallback on the client side.

import { decodeEnvelope, setKindLookup, UnsupportedProtobufKind, type DecodedObject } from './decode';
export { decodeAs, decodeMessage, goDuration, isK8sProtobuf, PROTOBUF_MAGIC } from './decode';
import { messageForKind } from './messages';

setKindLookup(messageForKind);

export { UnsupportedProtobufKind };
export type { DecodedObject };
export { MESSAGES, KINDS, ANY_VERSION_KINDS, SPECIAL_MESSAGES, FIELD_ORDER, jsonFields, messageForKind } from './messages';
export type { FieldDescriptor, FieldType, MessageDescriptor, SpecialKind } from './messages';
export { encodeMessage, encodeObject, encodeWatchEvent, envelope, hasProtobufForm, lengthDelimited, ProtobufWriter, type EncodeOptions } from './encode';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** Whether a Content-Type (parameters allowed) is the Kubernetes protobuf media type. */
export function isProtobuf(contentType: string | null | undefined): boolean {
  if (!contentType) return false;
  return contentType.split(';')[0].trim().toLowerCase() === PROTOBUF_MEDIA_TYPE;
}

/**
 * Decodes a protobuf request body to the JSON object a client would have sent:
 * JSON field names, apiVersion and kind set, unset fields omitted.
 * Throws UnsupportedProtobufKind (answer 415) when the kind has no description,
 * and a plain Error (answer 400) for a malformed body.
 */
export function decodeKubernetesProtobuf(bytes: Uint8Array): DecodedObject {
  return decodeEnvelope(bytes);
}
