// Sends access units as GB28181 PS over RTP (docs/gb28181.md §10.1): one PS pack per AU,
// split into RTP packets of at most maxPayload bytes that share one timestamp (the AU's DTS,
// 2022 §4.3.6), marker on the last, continuous sequence numbers; RFC 4571 framing over TCP.
// Used by the simulator (a device) and by the cascade (sending our streams upward).
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, isIPv6, type Server, type Socket } from 'node:net';
import { isVideoCodec, type AccessUnit, type AudioCodec, type VideoCodec } from '../../codecs/types.js';
import { PsMuxer, type PsMuxerOptions } from '../../codecs/ps/muxer.js';
import { serializeRtp } from '../../codecs/rtp/packet.js';
import { frameRfc4571 } from '../../codecs/rtp/tcp-framing.js';
import { FaultInjector, type FaultOptions } from './fault-injector.js';

export type { FaultOptions } from './fault-injector.js';

export interface PsRtpSenderOptions {
  ssrc: number;
  /** Default 96 (PS/90000). */
  payloadType?: number;
  /** RTP payload bytes per packet. Default 1400. */
  maxPayload?: number;
  /** 'tcp-active': we dial remoteHost:remotePort; 'tcp-passive': we listen on localPort. */
  transport: 'udp' | 'tcp-active' | 'tcp-passive';
  remoteHost?: string;
  remotePort?: number;
  /** Local port to bind (UDP, TCP listen, or the source port of a dial). Default: any. */
  localPort?: number;
  /** Default '0.0.0.0' ('127.0.0.1' is typical for tests). */
  bindHost?: string;
  faults?: FaultOptions;
  /** Codecs declared in the PSM; default: learned from the access units sent. */
  video?: VideoCodec;
  audio?: AudioCodec;
  /** PS layout quirks (AUD, PSM on every pack, stuffing, stream ids) for vendor profiles. */
  muxer?: Omit<PsMuxerOptions, 'video' | 'audio'>;
  /** First RTP sequence number. Default random. */
  initialSequence?: number;
  /** TCP: above this many unsent bytes, non-key video (and audio) is dropped until the next keyframe. Default 8 MiB. */
  maxBufferedBytes?: number;
  /** tcp-active dial policy: default 3 retries, 1000 ms apart (GB/T 28181-2022 Annex D). */
  connectRetries?: number;
  connectRetryDelayMs?: number;
}

export interface PsRtpSenderStats {
  packets: number;
  bytes: number;
  accessUnits: number;
  /** AUs not sent: no TCP peer yet, or TCP backpressure. */
  droppedAccessUnits: number;
}

export class PsRtpSender {
  readonly stats: PsRtpSenderStats = { packets: 0, bytes: 0, accessUnits: 0, droppedAccessUnits: 0 };
  private readonly opts: PsRtpSenderOptions;
  private readonly maxPayload: number;
  private sequence: number;
  private muxer: PsMuxer | undefined;
  private video: VideoCodec | undefined;
  private audio: AudioCodec | undefined;
  private udp: UdpSocket | undefined;
  private server: Server | undefined;
  private tcp: Socket | undefined;
  private port = 0;
  private skipToKeyframe = false;
  private readonly faults: FaultInjector | undefined;
  private connectWaiters: (() => void)[] = [];
  private closed = false;

  constructor(opts: PsRtpSenderOptions) {
    this.opts = opts;
    this.maxPayload = opts.maxPayload ?? 1400;
    if (this.maxPayload < 16) {
      throw new Error('maxPayload must be at least 16 bytes');
    }
    this.sequence = (opts.initialSequence ?? Math.floor(Math.random() * 65536)) & 0xffff;
    this.video = opts.video;
    this.audio = opts.audio;
    if (opts.faults) {
      this.faults = new FaultInjector(opts.faults, (p) => this.write(p));
    }
  }

  get localPort(): number {
    return this.port;
  }

  get faultStats() {
    return this.faults?.stats;
  }

  /** TCP: true while a connection is up; UDP: always true once open. */
  get connected(): boolean {
    return this.udp !== undefined || (this.tcp !== undefined && !this.tcp.destroyed);
  }

  /** Dial (tcp-active), listen (tcp-passive) or bind (udp). */
  async open(): Promise<void> {
    const { transport, bindHost = '0.0.0.0', localPort = 0 } = this.opts;
    if (transport === 'udp') {
      this.requireRemote();
      const socket = createSocket(isIPv6(bindHost) ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(localPort, bindHost, () => {
          socket.off('error', reject);
          socket.on('error', () => {}); // ICMP port unreachable while nobody listens
          resolve();
        });
      });
      this.udp = socket;
      this.port = socket.address().port;
    } else if (transport === 'tcp-passive') {
      const server = createServer({ noDelay: true }, (socket) => this.adopt(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: bindHost, port: localPort }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.server = server;
      const address = server.address();
      this.port = typeof address === 'object' && address ? address.port : localPort;
    } else {
      this.requireRemote();
      await this.dial();
    }
  }

  /** Resolves when a TCP peer is connected (at once for UDP). */
  whenConnected(): Promise<void> {
    if (this.connected) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.connectWaiters.push(resolve));
  }

  /** Mux one PS pack and send it as RTP packets. */
  sendAccessUnit(au: AccessUnit): void {
    if (this.closed) {
      return;
    }
    if (!this.connected || this.backpressured(au)) {
      this.stats.droppedAccessUnits++;
      return;
    }
    const ps = this.muxerFor(au).mux(au);
    this.stats.accessUnits++;
    const timestamp = Math.floor(au.dts) % 4294967296;
    for (let offset = 0; offset < ps.length; offset += this.maxPayload) {
      const end = Math.min(offset + this.maxPayload, ps.length);
      const packet = serializeRtp({
        payloadType: this.opts.payloadType ?? 96,
        sequence: this.sequence,
        timestamp,
        ssrc: this.opts.ssrc >>> 0,
        marker: end === ps.length,
        csrcs: [],
        paddingLength: 0,
        payload: ps.subarray(offset, end),
      });
      this.sequence = (this.sequence + 1) & 0xffff;
      if (this.faults) {
        this.faults.push(packet);
      } else {
        this.write(packet);
      }
    }
  }

  /** Idempotent. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.faults?.flush();
    this.faults?.close();
    this.udp?.close();
    this.tcp?.end();
    this.server?.close();
    this.connectWaiters = [];
  }

  private write(packet: Uint8Array): void {
    if (this.closed) {
      return;
    }
    this.stats.packets++;
    this.stats.bytes += packet.length;
    if (this.udp && this.faults && this.opts.faults?.blockUdp) {
      this.faults.stats.blocked++;
    } else if (this.udp) {
      this.udp.send(packet, this.opts.remotePort, this.opts.remoteHost);
    } else if (this.tcp && !this.tcp.destroyed) {
      this.tcp.write(frameRfc4571(packet));
    }
  }

  /** TCP backpressure: drop up to the next keyframe rather than buffer without bound. */
  private backpressured(au: AccessUnit): boolean {
    if (!this.tcp) {
      return false;
    }
    const video = isVideoCodec(au.codec);
    if (this.tcp.writableLength > (this.opts.maxBufferedBytes ?? 8 * 1024 * 1024)) {
      this.skipToKeyframe = true;
      return true;
    }
    if (this.skipToKeyframe) {
      if (!(video && au.keyframe)) {
        return true;
      }
      this.skipToKeyframe = false;
    }
    return false;
  }

  private muxerFor(au: AccessUnit): PsMuxer {
    let changed = false;
    if (isVideoCodec(au.codec)) {
      changed = this.video !== au.codec;
      this.video = au.codec;
    } else {
      changed = this.audio !== au.codec;
      this.audio = au.codec;
    }
    if (!this.muxer || changed) {
      this.muxer = new PsMuxer({ ...this.opts.muxer, video: this.video, audio: this.audio });
    }
    return this.muxer;
  }

  private adopt(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    // The newest connection wins (a device reconnecting after a drop).
    this.tcp?.destroy();
    this.tcp = socket;
    socket.setNoDelay(true);
    socket.on('error', () => {});
    // The receiver sends nothing on a media connection; read and discard whatever comes.
    socket.resume();
    for (const resolve of this.connectWaiters.splice(0)) {
      resolve();
    }
  }

  private async dial(): Promise<void> {
    const { remoteHost, remotePort, bindHost, localPort } = this.opts;
    const retries = this.opts.connectRetries ?? 3;
    let lastError: Error | undefined;
    for (let attempt = 0; attempt <= retries && !this.closed; attempt++) {
      if (attempt > 0) {
        await new Promise((r) => setTimeout(r, this.opts.connectRetryDelayMs ?? 1000));
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
        this.adopt(socket);
        this.port = socket.localPort ?? 0;
        return;
      } catch (err) {
        lastError = err as Error;
      }
    }
    throw lastError ?? new Error('sender closed while dialing');
  }

  private requireRemote(): void {
    if (!this.opts.remoteHost || !this.opts.remotePort) {
      throw new Error(`${this.opts.transport} sender needs remoteHost and remotePort`);
    }
  }
}
