// TCP passive media (a=setup:passive in our offer): we listen before the INVITE leaves, the
// device connects (docs/gb28181.md §7.2; Dahua may connect before the ACK, ZLM #2390). One
// connection at a time; a second one replaces the first only if the first is dead or silent.
import { createServer, type Server, type Socket } from 'node:net';
import type { IngestEvent } from './ingest-events.js';
import { TcpMediaConnection } from './tcp-media-connection.js';
import type { PacketHandler } from './udp-receiver.js';

/** How long a second connection waits for the first one's close to be read. */
const ACCEPT_GRACE_MS = 100;

export interface TcpPassiveHandlers {
  onPacket: PacketHandler;
  onEvent(e: IngestEvent): void;
  /** The byte stream changed (a replacement connection): drop partial state. */
  onDiscontinuity(): void;
  /** A live connection silent this long may be replaced by a new one. Default 3000. */
  staleMs?: number;
}

export class TcpPassiveReceiver {
  private current: TcpMediaConnection | undefined;
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly localPort: number,
    private readonly handlers: TcpPassiveHandlers,
  ) {
    server.on('connection', (socket) => this.accept(socket));
    server.on('error', () => {});
  }

  /** Listens on host:port; rejects with the listen error (EADDRINUSE lets PortPool try the next). */
  static listen(host: string, port: number, handlers: TcpPassiveHandlers): Promise<TcpPassiveReceiver> {
    const server = createServer({ noDelay: true });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', reject);
        const address = server.address();
        const bound = typeof address === 'object' && address ? address.port : port;
        resolve(new TcpPassiveReceiver(server, bound, handlers));
      });
    });
  }

  get connection(): { address: string; port: number } | undefined {
    return this.current?.alive ? { address: this.current.address, port: this.current.port } : undefined;
  }

  get framerStats(): Readonly<Record<string, number>> | undefined {
    return this.current?.framerStats;
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const old = this.current;
    if (!old?.alive) {
      this.adopt(socket);
      return;
    }
    // The old connection may be dead with its FIN or RST not read yet (the accept can come
    // first in the same loop turn): hold the newcomer, paused, for a moment and look again.
    socket.pause();
    socket.on('error', () => {});
    const timer = setTimeout(() => this.decide(socket), ACCEPT_GRACE_MS);
    socket.once('close', () => clearTimeout(timer));
  }

  private decide(socket: Socket): void {
    const old = this.current;
    if (this.closed || socket.destroyed) {
      socket.destroy();
      return;
    }
    if (old?.alive) {
      if (performance.now() - old.lastDataAt < (this.handlers.staleMs ?? 3000)) {
        this.handlers.onEvent({
          type: 'connection-refused',
          address: socket.remoteAddress ?? '',
          port: socket.remotePort ?? 0,
        });
        socket.destroy();
        return;
      }
      old.close();
      this.handlers.onEvent({
        type: 'disconnected',
        address: old.address,
        port: old.port,
        reason: 'replaced by a new connection',
      });
    }
    this.adopt(socket);
  }

  private adopt(socket: Socket): void {
    if (this.current) {
      this.handlers.onDiscontinuity();
    }
    this.current = new TcpMediaConnection(socket, this.handlers.onPacket, (conn, reason) => {
      this.handlers.onEvent({ type: 'disconnected', address: conn.address, port: conn.port, reason });
    });
    socket.resume();
    this.handlers.onEvent({ type: 'connected', address: this.current.address, port: this.current.port });
  }

  /** Idempotent: stops listening and drops the connection. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.current?.close();
    this.server.close();
  }
}
