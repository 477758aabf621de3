// What the streaming protocols (remote command, port-forward) run over: a
// message socket with backpressure. Two kinds stand behind it: a WebSocket
// the agent accepted on its own port (WsConnection), and a WebSocket the
// server passes through the reverse tunnel (a tunnel stream).
import type { EventEmitter } from 'node:events';

export interface MessageSocketEvents {
  message: [data: Buffer, text: boolean];
  close: [code: number, reason: string];
  drain: [];
}

export interface MessageSocket extends EventEmitter<MessageSocketEvents> {
  /** The subprotocol agreed in the handshake ('' for none). */
  readonly protocol: string;
  readonly isOpen: boolean;
  /** Sends a message; false when the peer is not keeping up (wait for 'drain' before sending more). */
  send(data: string | Uint8Array, text?: boolean): boolean;
  close(code?: number, reason?: string): void;
  /** Stops (and restarts) taking messages from the peer while what they feed is full. */
  pause(): void;
  resume(): void;
}
