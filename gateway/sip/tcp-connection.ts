// One SIP-over-TCP connection (RFC 3261 §18.3): a socket, its stream framer and its identity in
// the transport's connection table. Accepted and dialed connections look the same to callers.
import type { Socket } from 'node:net';
import type { SipRemote } from './remote.js';
import { StreamFramer, type StreamFrame } from './stream-framer.js';

export type ConnectionDirection = 'inbound' | 'outbound';

export interface ConnectionInfo {
  connectionId: string;
  /** Where the peer is: its source address for inbound connections, the dialed one for outbound. */
  remote: SipRemote;
  direction: ConnectionDirection;
}

export type ConnectionCloseReason =
  | 'peer-closed'
  | 'error'
  | 'desync'
  | 'connect-failed'
  | 'closed-locally'
  | 'transport-closed'
  /** No registered device on it after the unclaimed timeout (transport.ts). */
  | 'idle'
  /** Closed at the connection cap to make room for a new one. */
  | 'evicted';

export interface TcpConnectionEvents {
  onFrames(conn: TcpConnection, frames: StreamFrame[]): void;
  onConnect(conn: TcpConnection): void;
  onClose(conn: TcpConnection, reason: ConnectionCloseReason, err?: Error): void;
}

export interface TcpConnectionOptions {
  id: string;
  /** The peer: its source address (inbound) or the address dialed (outbound). */
  address: string;
  port: number;
  direction: ConnectionDirection;
  maxMessageBytes: number;
  /** Outbound only: give up connecting after this long. Default 5 000 ms. */
  connectTimeoutMs?: number;
}

export class TcpConnection {
  readonly info: ConnectionInfo;
  readonly #framer: StreamFramer;
  #connected: boolean;
  #closed = false;
  #errored?: Error;

  constructor(
    readonly socket: Socket,
    opts: TcpConnectionOptions,
    private readonly events: TcpConnectionEvents,
  ) {
    const { id, address, port, direction } = opts;
    const connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
    this.info = {
      connectionId: id,
      remote: { transport: 'tcp', address, port, connectionId: id },
      direction,
    };
    this.#framer = new StreamFramer({ maxMessageBytes: opts.maxMessageBytes });
    this.#connected = direction === 'inbound';
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (chunk: Buffer) => {
      if (!this.#closed) {
        this.events.onFrames(this, this.#framer.push(chunk));
      }
    });
    socket.on('error', (err) => {
      this.#errored = err;
    });
    socket.on('close', () =>
      this.#finish(this.#connected ? (this.#errored ? 'error' : 'peer-closed') : 'connect-failed'),
    );
    if (direction === 'outbound') {
      socket.setTimeout(connectTimeoutMs, () => {
        if (!this.#connected) {
          socket.destroy(new Error(`connect timeout after ${connectTimeoutMs} ms`));
        }
      });
      socket.once('connect', () => {
        this.#connected = true;
        socket.setTimeout(0);
        this.events.onConnect(this);
      });
    }
  }

  get id(): string {
    return this.info.connectionId;
  }

  get remote(): SipRemote {
    return this.info.remote;
  }

  get isOpen(): boolean {
    return !this.#closed;
  }

  /** Queue bytes; `done` gets the error when the write fails (Node buffers writes while connecting). */
  write(bytes: Uint8Array, done?: (err?: Error) => void): void {
    if (this.#closed) {
      done?.(new Error(`connection ${this.id} is closed`));
      return;
    }
    this.socket.write(bytes, (err) => done?.(err ?? undefined));
  }

  /** Idempotent. */
  close(reason: ConnectionCloseReason): void {
    if (this.#closed) {
      return;
    }
    this.#finish(reason);
    this.socket.destroy();
  }

  #finish(reason: ConnectionCloseReason): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#framer.flush();
    this.events.onClose(this, reason, this.#errored);
  }
}
