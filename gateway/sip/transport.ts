// SIP transport layer (RFC 3261 §18): UDP and TCP on one port, a TCP connection table, RFC 3581
// received/rport stamping, and the rule that bad input never escapes: 400/513 when a response
// can be formed, otherwise a rate-limited log line, and the socket keeps serving everyone else.
import { Buffer } from 'node:buffer';
import dgram from 'node:dgram';
import net from 'node:net';
import { createLogger, type Logger } from '../log.js';
import { SipErrorCode } from './errors.js';
import { getTopVia, stampReceived } from './headers.js';
import { Listeners } from './listeners.js';
import { LogThrottle } from '../log-throttle.js';
import {
  describeMessage,
  parseSipMessage,
  serializeSipMessage,
  type SipMessage,
  type SipParseResult,
} from './message.js';
import { formatRemote, type SipRemote } from './remote.js';
import { buildResponse, responseDestination } from './response.js';
import type { StreamFrame } from './stream-framer.js';
import { ConnectionTable } from './connection-table.js';
import { TcpConnection, type ConnectionCloseReason, type ConnectionInfo } from './tcp-connection.js';
import type { ConnectionRefusal } from '../limits.js';

export type { ConnectionInfo, ConnectionCloseReason } from './tcp-connection.js';

export interface SipTransportOptions {
  /** Address to bind, e.g. '0.0.0.0' or '127.0.0.1'. */
  host: string;
  /** Port for both UDP and TCP; 0 picks an ephemeral port free on both. */
  port: number;
  /** Largest accepted message; larger requests get 513 (RFC 3261 §18.1.1). Default 65 536. */
  maxMessageBytes?: number;
  /**
   * Inbound TCP connections open at most (below the open-file limit, open-files.ts). At the cap
   * the oldest connection without a registered device on it is closed to make room; when every
   * one has one, the newcomer is refused. Default 10 000.
   */
  maxConnections?: number;
  /** Inbound TCP connections from one IP address. Default 64. */
  maxConnectionsPerClient?: number;
  /**
   * An inbound TCP connection still carrying no registered device this long after it opened is
   * closed (keepConnection() decides; a held one is never checked again). Default 30 000 ms.
   */
  unclaimedTimeoutMs?: number;
  /** Give up dialing a TCP peer after this long. Default 5 000 ms. */
  connectTimeoutMs?: number;
  /** UDP socket receive buffer asked for (SO_RCVBUF, capped by the kernel's rmem_max). Default 4 MiB. */
  udpReceiveBufferBytes?: number;
  /** Logger; default createLogger('sip'). */
  log?: Logger;
}

export type SendErrorCallback = (err: Error) => void;

export class SipTransport {
  readonly host: string;
  readonly port: number;
  readonly #udp: dgram.Socket;
  readonly #tcp: net.Server;
  readonly #max: number;
  readonly #connectTimeoutMs: number;
  readonly #log: Logger;
  readonly #badInput: LogThrottle;
  readonly #connections = new ConnectionTable();
  readonly #maxInbound: number;
  readonly #maxPerClient: number;
  readonly #unclaimedTimeoutMs: number;
  /** Inbound connections by peer IP. */
  readonly #inboundPerClient = new Map<string, number>();
  /** Inbound connections in accept order, with whether a registration holds them. */
  readonly #inbound = new Map<TcpConnection, { claimed: boolean; timer: NodeJS.Timeout }>();
  #keeper: (connectionId: string) => boolean = () => false;
  readonly #limitLines: LogThrottle;
  readonly #messages: Listeners<[SipMessage, SipRemote]>;
  /** Every message handed to send(), retransmissions included (metrics count direction="out"). */
  readonly #sent: Listeners<[SipMessage, SipRemote]>;
  readonly #opened: Listeners<[ConnectionInfo]>;
  readonly #closed: Listeners<[ConnectionInfo, ConnectionCloseReason]>;
  #closing?: Promise<void>;
  readonly stats = {
    received: 0,
    sent: 0,
    malformed: 0,
    oversized: 0,
    answered400: 0,
    answered513: 0,
    sendErrors: 0,
    /** Inbound TCP connections refused or closed by the caps (issue #20 point 7). */
    refused: { total: 0, 'per-client': 0, 'evicted-idle': 0, 'idle-timeout': 0 } as Record<
      ConnectionRefusal,
      number
    >,
  };

  private constructor(
    udp: dgram.Socket,
    tcp: net.Server,
    host: string,
    port: number,
    opts: SipTransportOptions,
  ) {
    this.#udp = udp;
    this.#tcp = tcp;
    this.host = host;
    this.port = port;
    this.#max = opts.maxMessageBytes ?? 65_536;
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
    this.#maxInbound = opts.maxConnections ?? 10_000;
    this.#maxPerClient = opts.maxConnectionsPerClient ?? 64;
    this.#unclaimedTimeoutMs = opts.unclaimedTimeoutMs ?? 30_000;
    this.#log = opts.log ?? createLogger('sip');
    this.#limitLines = new LogThrottle(this.#log, { linesPerWindow: 10 });
    this.#badInput = new LogThrottle(this.#log, { linesPerWindow: 20 });
    this.#messages = new Listeners(this.#log, 'message');
    this.#sent = new Listeners(this.#log, 'sent');
    this.#opened = new Listeners(this.#log, 'connection-open');
    this.#closed = new Listeners(this.#log, 'connection-close');
    udp.on('message', (msg, rinfo) =>
      this.#receive(msg, { transport: 'udp', address: rinfo.address, port: rinfo.port }),
    );
    udp.on('error', (err) => this.#log.error({ err }, 'udp socket error'));
    tcp.on('connection', (socket) => this.#accept(socket));
    tcp.on('error', (err) => this.#log.error({ err }, 'tcp server error'));
  }

  /** Bind UDP and TCP on the same port. */
  static async listen(opts: SipTransportOptions): Promise<SipTransport> {
    for (let attempt = 0; ; attempt++) {
      const udp = dgram.createSocket({ type: net.isIPv6(opts.host) ? 'udp6' : 'udp4' });
      await new Promise<void>((resolve, reject) => {
        udp.once('error', (err) => {
          udp.close();
          reject(err);
        });
        udp.bind(opts.port, opts.host, () => {
          udp.removeAllListeners('error');
          resolve();
        });
      });
      // The default receive buffer (rmem_default, 208 KiB here) holds only about a hundred small
      // datagrams once the kernel's per-packet overhead is counted: a burst that arrives while the
      // loop is busy for 60 ms (1,000 alarms/s and their acknowledgements) overflowed it and cost
      // UDP retransmissions of up to 7.5 s. Ask for 4 MiB; the kernel caps it at rmem_max.
      try {
        udp.setRecvBufferSize(opts.udpReceiveBufferBytes ?? 4 * 1024 * 1024);
      } catch (err) {
        opts.log?.warn({ err }, 'UDP receive buffer not enlarged');
      }
      const port = udp.address().port;
      const tcp = net.createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(port, opts.host, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
        return new SipTransport(udp, tcp, opts.host, port, opts);
      } catch (err) {
        udp.close();
        // With port 0 the UDP port may be taken on TCP by someone else: try another one.
        if (opts.port !== 0 || attempt >= 8 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
          throw err;
        }
      }
    }
  }

  onMessage(cb: (message: SipMessage, remote: SipRemote) => void): () => void {
    return this.#messages.add(cb);
  }

  /** Each message this transport sends (requests and responses, retransmissions too). */
  onSend(cb: (message: SipMessage, remote: SipRemote) => void): () => void {
    return this.#sent.add(cb);
  }

  onConnectionOpen(cb: (info: ConnectionInfo) => void): () => void {
    return this.#opened.add(cb);
  }

  /** A TCP connection closed: for a device registered over TCP this means offline (docs/gb28181.md §1.5). */
  onConnectionClose(cb: (info: ConnectionInfo, reason: ConnectionCloseReason) => void): () => void {
    return this.#closed.add(cb);
  }

  /**
   * Who decides that an inbound connection is held by a registration (the upper platform: a
   * device registered over it). Connections it does not hold are closed after unclaimedTimeoutMs.
   */
  keepConnection(keeper: (connectionId: string) => boolean): void {
    this.#keeper = keeper;
  }

  /** The inbound TCP caps and what they refused, for the limits report. */
  get inboundLimits(): {
    maxConnections: number;
    maxPerClient: number;
    open: number;
    idleTimeoutSec: number;
  } {
    return {
      maxConnections: this.#maxInbound,
      maxPerClient: this.#maxPerClient,
      open: this.#inbound.size,
      idleTimeoutSec: this.#unclaimedTimeoutMs / 1000,
    };
  }

  hasConnection(connectionId: string): boolean {
    return this.#connections.get(connectionId)?.isOpen ?? false;
  }

  connections(): ConnectionInfo[] {
    return this.#connections.all().map((c) => c.info);
  }

  closeConnection(connectionId: string): void {
    this.#connections.get(connectionId)?.close('closed-locally');
  }

  /**
   * Send to `remote`. Over TCP: on `remote.connectionId` while it is open, else on the latest open
   * connection to the same address:port, else a new connection is dialed (for a response, to the
   * top Via sent-by, §18.2.2). Never throws; failures go to `onError` and the log.
   */
  send(message: SipMessage, remote: SipRemote, onError?: SendErrorCallback): void {
    if (this.#closing) {
      onError?.(new Error('transport closed'));
      return;
    }
    const bytes = serializeSipMessage(message);
    const failed = (err: Error | null | undefined): void => {
      if (!err) {
        return;
      }
      this.stats.sendErrors++;
      this.#log.warn({ err, remote: formatRemote(remote), what: describeMessage(message) }, 'send failed');
      onError?.(err);
    };
    this.stats.sent++;
    this.#sent.emit(message, remote);
    if (remote.transport === 'udp') {
      this.#udp.send(bytes, remote.port, remote.address, failed);
      return;
    }
    this.#connectionFor(message, remote).write(bytes, failed);
  }

  /** Idempotent: closes sockets and every TCP connection (each reported as 'transport-closed'). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const conn of this.#connections.all()) {
        conn.close('transport-closed');
      }
      await Promise.all([
        new Promise<void>((resolve) => this.#udp.close(() => resolve())),
        new Promise<void>((resolve) => this.#tcp.close(() => resolve())),
      ]);
      this.#messages.clear();
      this.#sent.clear();
      this.#opened.clear();
      this.#closed.clear();
    })();
    return this.#closing;
  }

  #connectionFor(message: SipMessage, remote: SipRemote): TcpConnection {
    const existing = this.#connections.find(remote);
    if (existing) {
      return existing;
    }
    let target = { address: remote.address, port: remote.port };
    if (message.kind === 'response') {
      const via = getTopVia(message.headers);
      if (via) {
        target = { address: via.received ?? via.host, port: via.port ?? 5060 };
      }
    }
    const socket = net.connect({ host: target.address, port: target.port });
    const conn = new TcpConnection(
      socket,
      {
        id: this.#connections.newId(),
        ...target,
        direction: 'outbound',
        maxMessageBytes: this.#max,
        connectTimeoutMs: this.#connectTimeoutMs,
      },
      this.#connectionEvents,
    );
    this.#connections.add(conn);
    return conn;
  }

  #accept(socket: net.Socket): void {
    if (this.#closing || !socket.remoteAddress || !socket.remotePort) {
      socket.destroy();
      return;
    }
    const client = socket.remoteAddress;
    if ((this.#inboundPerClient.get(client) ?? 0) >= this.#maxPerClient) {
      this.#refuse(socket, 'per-client', client);
      return;
    }
    if (this.#inbound.size >= this.#maxInbound && !this.#evictUnclaimed()) {
      this.#refuse(socket, 'total', client);
      return;
    }
    const conn = new TcpConnection(
      socket,
      {
        id: this.#connections.newId(),
        address: socket.remoteAddress,
        port: socket.remotePort,
        direction: 'inbound',
        maxMessageBytes: this.#max,
      },
      this.#connectionEvents,
    );
    this.#connections.add(conn);
    this.#inboundPerClient.set(client, (this.#inboundPerClient.get(client) ?? 0) + 1);
    const timer = setTimeout(() => this.#checkClaimed(conn), this.#unclaimedTimeoutMs);
    timer.unref();
    this.#inbound.set(conn, { claimed: false, timer });
    this.#opened.emit(conn.info);
  }

  /** A connection no registration holds by now is closed; one that is held is left alone from now on. */
  #checkClaimed(conn: TcpConnection): void {
    const entry = this.#inbound.get(conn);
    if (!entry || !conn.isOpen) {
      return;
    }
    if (this.#keeper(conn.id)) {
      entry.claimed = true;
      return;
    }
    this.stats.refused['idle-timeout']++;
    this.#limitLines.warn(
      'sip-tcp-unclaimed',
      { remote: formatRemote(conn.remote), afterSec: this.#unclaimedTimeoutMs / 1000 },
      'closing a SIP TCP connection that carries no registered device (--sip-tcp-idle-timeout)',
    );
    conn.close('idle');
  }

  /** At the cap: close the oldest inbound connection no registration holds; false if all are held. */
  #evictUnclaimed(): boolean {
    for (const [conn, entry] of this.#inbound) {
      if (!entry.claimed && !this.#keeper(conn.id)) {
        this.stats.refused['evicted-idle']++;
        this.#limitLines.warn(
          'sip-tcp-evicted',
          { remote: formatRemote(conn.remote), open: this.#inbound.size, max: this.#maxInbound },
          'SIP TCP connection cap reached: closed the oldest connection without a registered device',
        );
        conn.close('evicted');
        return true;
      }
      entry.claimed = true;
    }
    return false;
  }

  #refuse(socket: net.Socket, why: 'total' | 'per-client', client: string): void {
    this.stats.refused[why]++;
    this.#limitLines.warn(
      `sip-tcp-refused-${why}`,
      {
        remote: client,
        open: this.#inbound.size,
        ...(why === 'total' ? { max: this.#maxInbound } : { maxPerClient: this.#maxPerClient }),
      },
      why === 'total'
        ? 'SIP TCP connection refused: the cap is reached and every connection carries a registered device (--sip-tcp-max-connections)'
        : 'SIP TCP connection refused: the address is at its cap (--sip-tcp-max-per-client)',
    );
    socket.destroy();
  }

  readonly #connectionEvents = {
    onFrames: (conn: TcpConnection, frames: StreamFrame[]) => {
      for (const f of frames) {
        try {
          this.#onFrame(conn, f);
        } catch (err) {
          this.#log.error({ err, remote: formatRemote(conn.remote) }, 'frame handling failed; continuing');
        }
      }
    },
    onConnect: (conn: TcpConnection) => this.#opened.emit(conn.info),
    onClose: (conn: TcpConnection, reason: ConnectionCloseReason, err?: Error) => {
      this.#connections.remove(conn);
      const inbound = this.#inbound.get(conn);
      if (inbound) {
        clearTimeout(inbound.timer);
        this.#inbound.delete(conn);
        const address = conn.remote.address;
        const n = (this.#inboundPerClient.get(address) ?? 1) - 1;
        if (n > 0) {
          this.#inboundPerClient.set(address, n);
        } else {
          this.#inboundPerClient.delete(address);
        }
      }
      this.#log.debug(
        { connection: conn.id, remote: formatRemote(conn.remote), reason, err },
        'tcp connection closed',
      );
      this.#closed.emit(conn.info, reason);
    },
  };

  #onFrame(conn: TcpConnection, frame: StreamFrame): void {
    switch (frame.type) {
      case 'message':
        this.#receive(frame.bytes, conn.remote);
        return;
      case 'ping':
        conn.write(Buffer.from('\r\n')); // RFC 5626 §4.4.1 pong
        return;
      case 'pong':
        return;
      case 'oversized':
        this.stats.oversized++;
        this.#reject(
          parseSipMessage(frame.head),
          conn.remote,
          513,
          SipErrorCode.TOO_LARGE,
          `declared body ${frame.declaredLength} bytes`,
        );
        return;
      case 'garbage':
        this.#badInput.warn(
          'bad-input',
          { remote: formatRemote(conn.remote), bytes: frame.bytes, sample: frame.sample },
          'dropped a non-SIP line on a TCP stream',
        );
        return;
      case 'desync':
        this.#badInput.warn(
          'bad-input',
          { remote: formatRemote(conn.remote), code: SipErrorCode.STREAM_DESYNC, reason: frame.reason },
          'closing an unframeable TCP stream',
        );
        conn.close('desync');
        return;
    }
  }

  /** Every received datagram or framed message passes here; nothing thrown gets out. */
  #receive(bytes: Uint8Array, remote: SipRemote): void {
    try {
      if (remote.transport === 'udp' && isBlank(bytes)) {
        return;
      } // CRLF keep-alive datagrams
      this.stats.received++;
      if (bytes.length > this.#max) {
        this.stats.oversized++;
        this.#reject(parseSipMessage(bytes), remote, 513, SipErrorCode.TOO_LARGE, `${bytes.length} bytes`);
        return;
      }
      const result = parseSipMessage(bytes);
      if (!result.ok) {
        this.stats.malformed++;
        this.#reject(result, remote, 400, result.error, result.detail);
        return;
      }
      const message = result.message;
      if (message.kind === 'request') {
        stampReceived(message.headers, remote.address, remote.port);
      }
      this.#messages.emit(message, remote);
    } catch (err) {
      this.#log.error({ err, remote: formatRemote(remote) }, 'receive failed; message dropped');
    }
  }

  /** Answer a bad request statelessly when it has a usable Via (not for ACK, §17.1.1.3); else drop. */
  #reject(result: SipParseResult, remote: SipRemote, status: 400 | 513, code: string, detail: string): void {
    const partial = result.ok ? result.message : result.partial;
    const canAnswer =
      partial?.kind === 'request' &&
      partial.method !== 'ACK' &&
      stampReceived(partial.headers, remote.address, remote.port);
    this.#badInput.warn(
      'bad-input',
      { remote: formatRemote(remote), code, detail, answered: canAnswer ? status : false },
      canAnswer ? 'rejected a bad SIP request' : 'dropped bad SIP input',
    );
    if (!canAnswer || partial.kind !== 'request') {
      return;
    }
    const headers: [string, string][] = [['Warning', `399 ${this.host} "${detail.replace(/["\\]/g, '')}"`]];
    this.send(buildResponse(partial, status, undefined, { headers }), responseDestination(partial, remote));
    if (status === 400) {
      this.stats.answered400++;
    } else {
      this.stats.answered513++;
    }
  }
}

function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b !== 0x0d && b !== 0x0a && b !== 0x20 && b !== 0x09) {
      return false;
    }
  }
  return true;
}
