// One TCP media connection, either direction: RFC 4571 de-framing (2-byte big-endian length
// before each RTP packet, GB/T 28181-2016 Annex L / 2022 Annex D) into the packet handler.
import type { Socket } from 'node:net';
import { Rfc4571Framer } from '../../codecs/rtp/tcp-framing.js';
import type { PacketHandler } from './udp-receiver.js';

export class TcpMediaConnection {
  readonly address: string;
  readonly port: number;
  /** performance.now() of the last bytes received (or of the connect). */
  lastDataAt = performance.now();
  private readonly framer = new Rfc4571Framer();
  private ended = false;

  constructor(
    readonly socket: Socket,
    onPacket: PacketHandler,
    onEnd: (conn: TcpMediaConnection, reason: string) => void,
  ) {
    this.address = socket.remoteAddress ?? '';
    this.port = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.lastDataAt = performance.now();
      for (const packet of this.framer.push(chunk)) {
        onPacket(packet, this.address, this.port);
      }
    });
    let reason = 'closed by peer';
    socket.on('error', (err) => {
      reason = err.message;
    });
    socket.on('close', () => {
      if (this.ended) {
        return;
      }
      this.ended = true;
      onEnd(this, reason);
    });
  }

  get alive(): boolean {
    return !this.ended && !this.socket.destroyed;
  }

  get framerStats(): Readonly<Record<string, number>> {
    return this.framer.stats;
  }

  /** Idempotent; does not call onEnd. */
  close(): void {
    this.ended = true;
    this.socket.destroy();
  }
}
