// Caps on open HTTP connections (issue #20 point 7): in total, below the open-file limit
// (open-files.ts), and per client address. 1,100 slow connections under a 1024 limit used to take
// every descriptor: HTTP answered nobody, and streams that needed a new socket died. Now:
// - a client at its cap gets its new connection closed at once;
// - at the total cap, the oldest connection that is idle (no request in flight: a slowloris still
//   trickling its headers, a keep-alive connection between requests) is closed to make room, so
//   a flood cannot lock out the health check or a viewer; only when every connection is busy is
//   the newcomer refused;
// - Node's own timeouts (headers, whole request) close connections that never finish a request.
// Trusted proxies (--trusted-proxies) carry many clients on their connections: only the total
// applies to them. Refusals are counted (/api/limits, /metrics) and logged at a bounded rate.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { unmapIpv4, type AddressList } from '../address-match.js';
import type { ConnectionRefusal } from '../limits.js';
import { LogThrottle } from '../log-throttle.js';
import type { Logger } from '../log.js';
import type { ConnectionLimitsView } from '../views/limits.js';

export interface ConnectionGuardOptions {
  maxConnections: number;
  maxPerClient: number;
  /** Peers exempt from the per-client cap (reverse proxies). */
  proxies?: AddressList;
  log: Logger;
}

interface Tracked {
  client: string;
  /** Requests in flight on this connection (HTTP/1.1 pipelining aside, 0 or 1). */
  busy: number;
}

export class HttpConnectionGuard {
  readonly #o: ConnectionGuardOptions;
  /** In accept order, so the first idle one found is the oldest. */
  readonly #sockets = new Map<Socket, Tracked>();
  readonly #perClient = new Map<string, number>();
  readonly #refused: Record<ConnectionRefusal, number> = {
    total: 0,
    'per-client': 0,
    'evicted-idle': 0,
    'idle-timeout': 0,
  };
  readonly #lines: LogThrottle;

  constructor(server: Server, opts: ConnectionGuardOptions) {
    this.#o = opts;
    this.#lines = new LogThrottle(opts.log, { linesPerWindow: 10 });
    server.on('connection', (socket: Socket) => this.#accept(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const t = this.#sockets.get(req.socket);
      if (t) {
        t.busy++;
        res.once('close', () => t.busy--);
      }
    });
    // With a listener, Node leaves the answer to us (what it would send by itself, plus a count).
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      if (timedOut) {
        this.#refused['idle-timeout']++;
      }
      if (socket.writable && !timedOut && err.code !== 'ECONNRESET') {
        const status =
          err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
      } else if (socket.writable && timedOut) {
        socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
      }
      socket.destroy();
    });
  }

  view(): ConnectionLimitsView {
    return {
      maxConnections: this.#o.maxConnections,
      maxPerClient: this.#o.maxPerClient,
      open: this.#sockets.size,
      refused: { ...this.#refused },
    };
  }

  #accept(socket: Socket): void {
    const client = unmapIpv4(socket.remoteAddress ?? 'unknown');
    const proxy = this.#o.proxies?.has(client) ?? false;
    if (!proxy && (this.#perClient.get(client) ?? 0) >= this.#o.maxPerClient) {
      this.#refuse(socket, 'per-client', client);
      return;
    }
    if (this.#sockets.size >= this.#o.maxConnections && !this.#evictIdle()) {
      this.#refuse(socket, 'total', client);
      return;
    }
    const t: Tracked = { client, busy: 0 };
    this.#sockets.set(socket, t);
    this.#perClient.set(client, (this.#perClient.get(client) ?? 0) + 1);
    socket.once('close', () => {
      if (this.#sockets.get(socket) === t) {
        this.#forget(socket, t);
      }
    });
  }

  #forget(socket: Socket, t: Tracked): void {
    this.#sockets.delete(socket);
    const n = (this.#perClient.get(t.client) ?? 1) - 1;
    if (n > 0) {
      this.#perClient.set(t.client, n);
    } else {
      this.#perClient.delete(t.client);
    }
  }

  /** Closes the oldest connection without a request in flight; false when all are busy. */
  #evictIdle(): boolean {
    for (const [socket, t] of this.#sockets) {
      if (t.busy === 0 && !socket.destroyed) {
        this.#refused['evicted-idle']++;
        this.#lines.warn(
          'http-evicted',
          { client: t.client, open: this.#sockets.size, max: this.#o.maxConnections },
          'HTTP connection cap reached: closed the oldest idle connection to make room',
        );
        // Counted out now (its 'close' comes later): the newcomer takes its place at once.
        this.#forget(socket, t);
        socket.destroy();
        return true;
      }
    }
    return false;
  }

  #refuse(socket: Socket, why: 'total' | 'per-client', client: string): void {
    this.#refused[why]++;
    this.#lines.warn(
      `http-refused-${why}`,
      {
        client,
        open: this.#sockets.size,
        ...(why === 'total' ? { max: this.#o.maxConnections } : { maxPerClient: this.#o.maxPerClient }),
      },
      why === 'total'
        ? 'HTTP connection refused: every connection is busy at the cap (--http-max-connections)'
        : 'HTTP connection refused: the client is at its cap (--http-max-connections-per-client)',
    );
    socket.destroy();
  }
}
