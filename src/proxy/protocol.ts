// The reverse-tunnel protocol between the Tunnel Durable Object and a node
// agent, shared by both ends (no Workers or Node APIs in here).
//
// One WebSocket carries many streams, each a proxied HTTP request or a
// WebSocket passed through. The server opens streams; ids are its own.
//
//   binary frames  [u32 stream id][u8 kind][payload <= 1 MiB]: body data,
//                  WebSocket messages, and control messages (kind CONTROL,
//                  a JSON Control as payload). Everything travels in binary
//                  frames because the platform does not keep text and binary
//                  messages in order relative to each other.
//   text frames    only the keepalive "ping", which the Durable Object
//                  answers "pong" without waking up (setWebSocketAutoResponse)
//
// A request: server -> {t:'req'}, then body data frames and {t:'end'} when
// the request has a body. The agent answers {t:'res'} (status and headers),
// then body data frames and {t:'end'}. Either side may {t:'cancel'} a stream.
// A WebSocket: {t:'req', ws:true}; the agent answers {t:'res', status:101}
// (or any other status with a body, as an HTTP answer), then messages flow
// as DATA_WS_TEXT / DATA_WS_BINARY frames both ways until {t:'close'}.
//
// Ordering: a receiver does not rely on control messages and data frames
// arriving in the order sent (seen in the test runtime): 'end' and 'close'
// carry how much data preceded them, and data that comes before its 'res' is
// held until the response starts.
//
// Flow control: each side sends at most WINDOW body bytes of a stream that
// the other side has not acknowledged; the receiver sends {t:'ack'} as its
// consumer takes the data, so a slow client never fills the Durable
// Object's (or the agent's) memory.

export const PROTOCOL_VERSION = 1;
/** Largest payload of one data frame (the platform's message cap is 32 MiB). */
export const MAX_FRAME = 1 << 20;
/** Unacknowledged body bytes a sender may have in flight per stream. */
export const WINDOW = 8 << 20;
/** A receiver acknowledges consumed bytes once this many have gathered. */
export const ACK_THRESHOLD = 256 << 10;

export const DATA_BODY = 0;
export const DATA_WS_BINARY = 1;
export const DATA_WS_TEXT = 2;
export const CONTROL = 0x10;

export type HeaderList = [string, string][];

export type Control =
  | { t: 'req'; id: number; method: string; path: string; headers: HeaderList; body: boolean; ws?: boolean }
  | { t: 'res'; id: number; status: number; headers: HeaderList; body: boolean }
  /** The sender's body is complete after `bytes` bytes (frames may overtake control messages). */
  | { t: 'end'; id: number; bytes?: number }
  | { t: 'cancel'; id: number; reason?: string }
  | { t: 'ack'; id: number; bytes: number }
  /** A passed-through WebSocket closes after the sender's `messages`-th message. */
  | { t: 'close'; id: number; code?: number; reason?: string; messages?: number }
  | { t: 'hello'; node: string; version: number; agent: string };

export interface DataFrame {
  id: number;
  kind: number;
  payload: Uint8Array;
}

export function encodeData(id: number, kind: number, payload: Uint8Array): Uint8Array {
  if (payload.byteLength > MAX_FRAME) throw new RangeError(`data frame of ${payload.byteLength} bytes exceeds ${MAX_FRAME}`);
  const out = new Uint8Array(5 + payload.byteLength);
  new DataView(out.buffer).setUint32(0, id >>> 0);
  out[4] = kind;
  out.set(payload, 5);
  return out;
}

export function decodeData(buf: ArrayBuffer | Uint8Array): DataFrame {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  if (bytes.byteLength < 5) throw new RangeError('short data frame');
  const id = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  return { id, kind: bytes[4], payload: bytes.subarray(5) };
}

/** Splits a chunk into pieces of at most MAX_FRAME bytes. */
export function* frames(chunk: Uint8Array): Generator<Uint8Array> {
  for (let off = 0; off < chunk.byteLength; off += MAX_FRAME) yield chunk.subarray(off, Math.min(chunk.byteLength, off + MAX_FRAME));
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** A control message as a binary frame. */
export const encodeControl = (msg: Control): Uint8Array => encodeData(0, CONTROL, utf8.encode(JSON.stringify(msg)));

/** The control message a CONTROL frame carries. */
export const controlOf = (frame: DataFrame): Control | undefined => parseControl(fromUtf8.decode(frame.payload));

export function parseControl(text: string): Control | undefined {
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' && typeof v.t === 'string' ? (v as Control) : undefined;
  } catch {
    return undefined;
  }
}

/** Paths on the server that belong to the tunnel and to node credentials (non-resource URLs). */
export const TUNNEL_PATH = (node: string) => `/edgekube/v1/nodes/${encodeURIComponent(node)}/tunnel`;
export const CREDENTIAL_PATH = (node: string) => `/edgekube/v1/nodes/${encodeURIComponent(node)}/credential`;
/** The header an agent presents its node credential in when it dials the tunnel. */
export const CREDENTIAL_HEADER = 'x-edgekube-node-credential';
/** The header that selects http or https for the agent's hop to a pod or host port. */
export const SCHEME_HEADER = 'x-edgekube-upstream-scheme';
/** Node annotation set by an agent that is only reachable through its tunnel. */
export const TUNNEL_ANNOTATION = 'edgekube.dev/connection';
