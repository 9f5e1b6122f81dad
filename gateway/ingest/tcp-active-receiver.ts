// TCP active media (a=setup:active in our offer): we dial the address in the device's answer.
// GB/T 28181-2022 Annex D: a failed connect is retried at least 3 times, at least 1 s apart.
// The dial binds the port we advertised, since some devices check the source port (field
// note, docs/gb28181.md §7.2); if that port is busy it falls back to an ephemeral one.
import { connect, type Socket } from 'node:net';
import type { IngestEvent } from './ingest-events.js';
import { TcpMediaConnection } from './tcp-media-connection.js';
import type { PacketHandler } from './udp-receiver.js';

export interface TcpActiveOptions {
  localHost: string;
  /** The port written in our SDP; the dial binds it when it can. */
  localPort: number;
  onPacket: PacketHandler;
  onEvent(e: IngestEvent): void;
  onDiscontinuity(): void;
  /** Every attempt failed (initial dial or redial after a drop). */
  onGiveUp(reason: string): void;
  /** Default 3 (after the first attempt). */
  retries?: number;
  /** Default 1000. */
  retryDelayMs?: number;
  /** Default 5000. */
  connectTimeoutMs?: number;
}

export class TcpActiveReceiver {
  private current: TcpMediaConnection | undefined;
  private pending: Socket | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private target: { host: string; port: number } | undefined;
  private attempt = 0;
  private hadConnection = false;
  private closed = false;

  constructor(private readonly opts: TcpActiveOptions) {}

  get localPort(): number {
    return this.opts.localPort;
  }

  get connection(): { address: string; port: number } | undefined {
    return this.current?.alive ? { address: this.current.address, port: this.current.port } : undefined;
  }

  get framerStats(): Readonly<Record<string, number>> | undefined {
    return this.current?.framerStats;
  }

  /** Dials host:port (a second call re-targets). */
  connect(host: string, port: number): void {
    if (this.closed) {
      return;
    }
    this.target = { host, port };
    this.attempt = 0;
    this.cancelDial();
    this.current?.close();
    this.current = undefined;
    this.dial(true);
  }

  private dial(bindLocalPort: boolean): void {
    const target = this.target;
    if (this.closed || !target) {
      return;
    }
    this.attempt++;
    const anyHost = this.opts.localHost === '0.0.0.0' || this.opts.localHost === '::';
    const socket = connect({
      host: target.host,
      port: target.port,
      ...(anyHost ? {} : { localAddress: this.opts.localHost }),
      ...(bindLocalPort ? { localPort: this.opts.localPort } : {}),
      noDelay: true,
    });
    this.pending = socket;
    socket.setTimeout(this.opts.connectTimeoutMs ?? 5000, () => socket.destroy(new Error('connect timeout')));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (this.pending !== socket) {
        return;
      }
      this.pending = undefined;
      if (bindLocalPort && (err.code === 'EADDRINUSE' || err.code === 'EADDRNOTAVAIL')) {
        this.attempt--;
        this.dial(false);
        return;
      }
      this.failed(err.message);
    });
    socket.once('connect', () => {
      if (this.pending !== socket) {
        return;
      }
      this.pending = undefined;
      socket.setTimeout(0);
      this.attempt = 0;
      if (this.hadConnection) {
        this.opts.onDiscontinuity();
      }
      this.hadConnection = true;
      this.current = new TcpMediaConnection(socket, this.opts.onPacket, (conn, reason) =>
        this.dropped(conn, reason),
      );
      this.opts.onEvent({ type: 'connected', address: this.current.address, port: this.current.port });
    });
  }

  private failed(error: string): void {
    const target = this.target!;
    const retries = this.opts.retries ?? 3;
    const final = this.attempt > retries;
    this.opts.onEvent({
      type: 'connect-failed',
      host: target.host,
      port: target.port,
      attempt: this.attempt,
      error,
      final,
    });
    if (final) {
      this.opts.onGiveUp('connect-failed');
      return;
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.dial(true);
    }, this.opts.retryDelayMs ?? 1000);
  }

  /** The device hung up: redial with the same retry policy. */
  private dropped(conn: TcpMediaConnection, reason: string): void {
    if (this.current === conn) {
      this.current = undefined;
    }
    this.opts.onEvent({ type: 'disconnected', address: conn.address, port: conn.port, reason });
    if (this.closed) {
      return;
    }
    this.attempt = 0;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.dial(true);
    }, this.opts.retryDelayMs ?? 1000);
  }

  private cancelDial(): void {
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
    }
    this.retryTimer = undefined;
    this.pending?.destroy();
    this.pending = undefined;
  }

  /** Idempotent. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.cancelDial();
    this.current?.close();
    this.current = undefined;
  }
}
