// The device end of a talk (the simulator's speaker, and the cascade receiving its upper's audio;
// docs/voice.md §6): receives the RTP its INVITE asked for, over UDP, or RFC 4571 TCP where it
// listens (the upper connects) or dials (after the upper's 200), and hands on G.711 frames: the
// payload of a raw PCMA/PCMU packet, or the audio of the PS packs of a PS payload type. It keeps
// what a test needs to check the sender: the SSRC and payload types seen, and the packet count.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, isIPv6, type Server, type Socket } from 'node:net';
import type { G711Law } from '../../codecs/g711/law-convert.js';
import { PsDemuxer } from '../../codecs/ps/demuxer.js';
import { parseRtp } from '../../codecs/rtp/packet.js';
import { Rfc4571Framer } from '../../codecs/rtp/tcp-framing.js';
import type { AudioFrame } from './audio-frame.js';

/** What each offered payload type carries. */
export type PayloadMap = ReadonlyMap<number, { form: 'rtp'; law: G711Law } | { form: 'ps' }>;

export interface AudioRtpReceiverOptions {
  /** Seen from the receiving device: tcp-active = it dials, tcp-passive = it listens. */
  transport: 'udp' | 'tcp-active' | 'tcp-passive';
  bindHost: string;
  payloads: PayloadMap;
  onFrame(frame: AudioFrame): void;
  /** A TCP connection was lost (the talk is over on this side). */
  onDisconnect?(reason: string): void;
}

export interface AudioRtpReceiverStats {
  packets: number;
  bytes: number;
  frames: number;
  /** The SSRC of the first packet; packets with another one are counted in ssrcChanges. */
  ssrc: number | null;
  ssrcChanges: number;
  /** Packets per payload type. */
  payloadTypes: Record<number, number>;
  /** Packets that were not RTP, or of a payload type nobody offered. */
  dropped: number;
}

export class AudioRtpReceiver {
  readonly stats: AudioRtpReceiverStats = {
    packets: 0,
    bytes: 0,
    frames: 0,
    ssrc: null,
    ssrcChanges: 0,
    payloadTypes: {},
    dropped: 0,
  };
  readonly #o: AudioRtpReceiverOptions;
  readonly #demuxer = new PsDemuxer();
  #udp: UdpSocket | undefined;
  #server: Server | undefined;
  #tcp: Socket | undefined;
  #port = 0;
  #closed = false;

  constructor(opts: AudioRtpReceiverOptions) {
    this.#o = opts;
  }

  /** The port for our offer (tcp-active: 9, RFC 4145 §4). */
  get localPort(): number {
    return this.#o.transport === 'tcp-active' ? 9 : this.#port;
  }

  /** Bind (UDP) or listen (tcp-passive) before the INVITE leaves; tcp-active waits for connect(). */
  async open(): Promise<void> {
    const host = this.#o.bindHost;
    if (this.#o.transport === 'udp') {
      const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, host, () => resolve());
      });
      socket.removeAllListeners('error');
      socket.on('error', () => {});
      socket.on('message', (m) => this.#packet(m));
      this.#udp = socket;
      this.#port = socket.address().port;
    } else if (this.#o.transport === 'tcp-passive') {
      const server = createServer((s) => this.#adopt(s));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port: 0 }, () => resolve());
      });
      server.removeAllListeners('error');
      this.#server = server;
      const address = server.address();
      this.#port = typeof address === 'object' && address ? address.port : 0;
    }
  }

  /** tcp-active: dial the sender's answered address. */
  async connect(host: string, port: number): Promise<void> {
    if (this.#o.transport !== 'tcp-active' || this.#closed) {
      return;
    }
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port });
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(s);
      });
    });
    this.#adopt(socket);
  }

  /** Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#udp?.close();
    this.#tcp?.destroy();
    this.#server?.close();
  }

  #adopt(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#tcp?.destroy();
    this.#tcp = socket;
    const framer = new Rfc4571Framer();
    socket.on('data', (chunk: Buffer) => {
      for (const packet of framer.push(chunk)) {
        this.#packet(packet);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.#tcp === socket && !this.#closed) {
        this.#o.onDisconnect?.('the sender closed the TCP media connection');
      }
    });
  }

  #packet(bytes: Uint8Array): void {
    const rtp = parseRtp(bytes);
    const kind = rtp && this.#o.payloads.get(rtp.payloadType);
    if (!rtp || !kind) {
      this.stats.dropped++;
      return;
    }
    const s = this.stats;
    s.packets++;
    s.bytes += bytes.length;
    s.payloadTypes[rtp.payloadType] = (s.payloadTypes[rtp.payloadType] ?? 0) + 1;
    if (s.ssrc === null) {
      s.ssrc = rtp.ssrc;
    } else if (rtp.ssrc !== s.ssrc) {
      s.ssrcChanges++;
    }
    if (kind.form === 'rtp') {
      this.#emit({ law: kind.law, payload: rtp.payload });
      return;
    }
    for (const au of this.#demuxer.push(rtp)) {
      if (au.codec === 'PCMA' || au.codec === 'PCMU') {
        for (const unit of au.units) {
          this.#emit({ law: au.codec, payload: unit });
        }
      }
    }
  }

  #emit(frame: AudioFrame): void {
    this.stats.frames++;
    this.#o.onFrame(frame);
  }
}
