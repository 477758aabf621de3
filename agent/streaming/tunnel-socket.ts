// The agent's end of a WebSocket that the server passes through the reverse
// tunnel and the agent serves itself (exec, attach, port-forward): messages
// arrive as tunnel frames and leave as tunnel frames.
import { EventEmitter } from 'node:events';
import type { MessageSocket, MessageSocketEvents } from './socket.ts';

export interface TunnelSide {
  /** Sends one message; false when the tunnel's buffer is full ('drain' follows). */
  send(data: Uint8Array, text: boolean): boolean;
  close(code: number, reason: string): void;
  onDrain(cb: () => void): void;
}

export class TunneledSocket extends EventEmitter<MessageSocketEvents> implements MessageSocket {
  private open = true;

  constructor(readonly protocol: string, private readonly side: TunnelSide) {
    super();
  }

  get isOpen() {
    return this.open;
  }

  send(data: string | Uint8Array, text = typeof data === 'string'): boolean {
    if (!this.open) return false;
    const ok = this.side.send(typeof data === 'string' ? Buffer.from(data) : data, text);
    if (!ok) this.side.onDrain(() => this.emit('drain'));
    return ok;
  }

  close(code = 1000, reason = '') {
    if (!this.open) return;
    this.open = false;
    this.side.close(code, reason);
    this.emit('close', code, reason);
  }

  // The tunnel carries many streams: one that is not read from is held back by the server's window, not here.
  pause() {}
  resume() {}

  /** A message from the server's side. */
  deliver(data: Buffer, text: boolean) {
    if (this.open) this.emit('message', data, text);
  }

  /** The server's side closed (or the tunnel dropped). */
  ended(code: number, reason: string) {
    if (!this.open) return;
    this.open = false;
    this.emit('close', code, reason);
  }
}
