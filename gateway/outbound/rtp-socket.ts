// The sending end of one RTP stream toward a SIP peer: a UDP socket aimed at the peer's SDP
// address, or a TCP connection with RFC 4571 framing (GB/T 28181-2016 Annex L, 2022 Annex D) that
// we dial ('tcp-active': the peer's SDP said setup:passive) or accept ('tcp-passive': the peer
// connects to the port in our answer). The receiver never sends on a media connection; whatever
// arrives is read and dropped. Used by the paced audio sender (audio-rtp-sender.ts).
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, isIPv6, type Server, type Socket } from 'node:net';
import { frameRfc4571 } from '../../codecs/rtp/tcp-framing.js';

export type RtpSocketTransport = 'udp' | 'tcp-active' | 'tcp-passive';

export interface RtpSocketOptions {
  transport: RtpSocketTransport;
  /** Where UDP packets go, and whom tcp-active dials. */
  remoteHost?: string;
  remotePort?: number;
  /** Local port to bind (UDP), listen on (tcp-passive) or dial from. Default: any. */
  localPort?: number;
  /** Default '0.0.0.0'. */
  bindHost?: string;
  /** tcp-active: default 3 retries 1000 ms apart (GB/T 28181-2022 Annex D). */
  connectRetries?: number;
  connectRetryDelayMs?: number;
}

export class RtpSocket {
  readonly #o: RtpSocketOptions;
  #udp: UdpSocket | undefined;
  #server: Server | undefined;
  #tcp: Socket | undefined;
  #port = 0;
  #waiters: (() => void)[] = [];
  #closed = false;

  constructor(opts: RtpSocketOptions) {
    this.#o = opts;
    if (opts.transport !== 'tcp-passive' && (!opts.remoteHost || !opts.remotePort)) {
      throw new Error(`a ${opts.transport} RTP socket needs remoteHost and remotePort`);
    }
  }

  get transport(): RtpSocketTransport {
    return this.#o.transport;
  }

  get localPort(): number {
    return this.#port;
  }

  /** UDP: once bound. TCP: while a connection is up. */
  get connected(): boolean {
    return this.#udp !== undefined || (this.#tcp !== undefined && !this.#tcp.destroyed);
  }

  /** Bytes handed to a TCP connection and not yet sent (0 for UDP). */
  get bufferedBytes(): number {
    return this.#tcp?.writableLength ?? 0;
  }

  /** Bind (udp), listen (tcp-passive) or dial (tcp-active); rejects when that fails. */
  async open(): Promise<void> {
    const { transport, bindHost = '0.0.0.0', localPort = 0 } = this.#o;
    if (transport === 'udp') {
      const socket = createSocket(isIPv6(bindHost) ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', (err) => {
          socket.close();
          reject(err);
        });
        socket.bind(localPort, bindHost, () => {
          socket.removeAllListeners('error');
          socket.on('error', () => {}); // ICMP port unreachable while the peer is not listening yet
          resolve();
        });
      });
      this.#udp = socket;
      this.#port = socket.address().port;
      this.#wake();
    } else if (transport === 'tcp-passive') {
      const server = createServer({ noDelay: true }, (socket) => this.#adopt(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err) => {
          server.close();
          reject(err);
        });
        server.listen({ host: bindHost, port: localPort }, () => {
          server.removeAllListeners('error');
          resolve();
        });
      });
      this.#server = server;
      const address = server.address();
      this.#port = typeof address === 'object' && address ? address.port : localPort;
    } else {
      await this.#dial();
    }
  }

  /** Resolves once packets can be sent (a TCP peer is connected). */
  whenConnected(): Promise<void> {
    return this.connected || this.#closed
      ? Promise.resolve()
      : new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** One RTP packet; false when it could not be handed on (no TCP peer yet, or closed). */
  send(packet: Uint8Array): boolean {
    if (this.#closed) {
      return false;
    }
    if (this.#udp) {
      this.#udp.send(packet, this.#o.remotePort, this.#o.remoteHost);
      return true;
    }
    if (this.#tcp && !this.#tcp.destroyed) {
      this.#tcp.write(frameRfc4571(packet));
      return true;
    }
    return false;
  }

  /** Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#udp?.close();
    this.#tcp?.end();
    this.#tcp?.destroySoon();
    this.#server?.close();
    this.#wake();
  }

  #wake(): void {
    for (const resolve of this.#waiters.splice(0)) {
      resolve();
    }
  }

  #adopt(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    // The newest connection wins: a device that reconnects after a drop.
    this.#tcp?.destroy();
    this.#tcp = socket;
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.resume();
    this.#wake();
  }

  async #dial(): Promise<void> {
    const { remoteHost, remotePort, bindHost, localPort } = this.#o;
    const retries = this.#o.connectRetries ?? 3;
    let lastError: Error | undefined;
    for (let attempt = 0; attempt <= retries && !this.#closed; attempt++) {
      if (attempt > 0) {
        await new Promise((r) => setTimeout(r, this.#o.connectRetryDelayMs ?? 1000));
      }
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect({
            host: remoteHost!,
            port: remotePort!,
            ...(bindHost && bindHost !== '0.0.0.0' ? { localAddress: bindHost } : {}),
            ...(localPort ? { localPort } : {}),
          });
          s.once('error', reject);
          s.once('connect', () => {
            s.off('error', reject);
            resolve(s);
          });
        });
        this.#adopt(socket);
        this.#port = socket.localPort ?? 0;
        return;
      } catch (err) {
        lastError = err as Error;
      }
    }
    throw lastError ?? new Error('the RTP socket closed while dialing');
  }
}
