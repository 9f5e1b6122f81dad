// The media side of the stand-in upper platform: a UDP socket or TCP (RFC 4571) connection that
// counts what a GB28181 receiver observes (packets, SSRCs, sequence gaps, late and duplicate
// packets) and demuxes the PS payloads into access-unit summaries.
import { Buffer } from 'node:buffer';
import dgram from 'node:dgram';
import net from 'node:net';
import { PsDemuxer } from '../../codecs/ps/demuxer.js';
import { parseRtp } from '../../codecs/rtp/packet.js';
import { seqDiff } from '../../codecs/rtp/sequence.js';
import { Rfc4571Framer } from '../../codecs/rtp/tcp-framing.js';
import type { AccessUnit } from '../../codecs/types.js';

export type ReceiverKind = 'udp' | 'tcp-passive' | 'tcp-active';

/** Counts what a GB28181 media receiver observes. */
export class RtpReceiver {
  packets = 0;
  bytes = 0;
  readonly ssrcs = new Map<number, number>();
  /** Missing sequence numbers (forward jumps beyond +1). */
  gaps = 0;
  /** Packets older than the highest sequence seen (reordered or duplicated). */
  late = 0;
  duplicates = 0;
  firstAt: number | undefined;
  lastAt: number | undefined;
  readonly payloadTypes = new Set<number>();
  /** Access units demuxed from the PS payloads, in arrival order (summaries only). */
  readonly accessUnits: Pick<AccessUnit, 'codec' | 'keyframe' | 'dts'>[] = [];
  readonly #demuxer = new PsDemuxer();
  #highest: number | undefined;
  #lowest: number | undefined;
  readonly #seen = new Set<number>();
  #udp: dgram.Socket | undefined;
  #server: net.Server | undefined;
  #socket: net.Socket | undefined;
  #port = 0;

  static async open(kind: ReceiverKind): Promise<RtpReceiver> {
    const r = new RtpReceiver();
    if (kind === 'udp') {
      const udp = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
      udp.on('message', (msg) => r.#packet(msg));
      r.#udp = udp;
      r.#port = udp.address().port;
    } else if (kind === 'tcp-passive') {
      // We listen before the INVITE (docs/gb28181.md §7.2); the device dials us.
      const server = net.createServer((s) => r.#adopt(s));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      r.#server = server;
      r.#port = (server.address() as net.AddressInfo).port;
    } else {
      // tcp-active: we dial the device's answered port after the 200; the offer's port is nominal.
      r.#port = 9;
    }
    return r;
  }

  get port(): number {
    return this.#port;
  }

  get connected(): boolean {
    return this.#socket !== undefined;
  }

  async connect(host: string, port: number): Promise<void> {
    const s = net.connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    this.#adopt(s);
  }

  /** Packets received since a moment (for "stops after BYE" and "silence" checks). */
  packetsSince(ms: number): boolean {
    return this.lastAt !== undefined && this.lastAt > ms;
  }

  close(): void {
    this.#udp?.close();
    this.#udp = undefined;
    this.#socket?.destroy();
    this.#server?.close();
  }

  #adopt(s: net.Socket): void {
    this.#socket = s;
    const framer = new Rfc4571Framer();
    s.on('data', (chunk: Buffer) => {
      for (const frame of framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
        this.#packet(frame);
      }
    });
    s.on('error', () => {});
  }

  #packet(bytes: Uint8Array): void {
    const p = parseRtp(bytes);
    if (!p) {
      return;
    }
    const now = Date.now();
    this.firstAt ??= now;
    this.lastAt = now;
    this.packets++;
    this.bytes += bytes.length;
    this.payloadTypes.add(p.payloadType);
    for (const au of this.#demuxer.push(p)) {
      this.accessUnits.push({ codec: au.codec, keyframe: au.keyframe, dts: au.dts });
    }
    this.ssrcs.set(p.ssrc, (this.ssrcs.get(p.ssrc) ?? 0) + 1);
    // Extended sequence numbers relative to the highest seen, so a 16-bit wrap costs nothing.
    const ext =
      this.#highest === undefined ? p.sequence : this.#highest + seqDiff(p.sequence, this.#highest & 0xffff);
    if (this.#seen.has(ext)) {
      this.duplicates++;
    }
    this.#seen.add(ext);
    this.#lowest = Math.min(this.#lowest ?? ext, ext);
    if (this.#highest === undefined) {
      this.#highest = ext;
    } else if (ext > this.#highest) {
      this.gaps += ext - this.#highest - 1;
      this.#highest = ext;
    } else {
      this.late++;
    }
  }

  /** Sequence numbers never received between the lowest and highest seen. */
  get lost(): number {
    if (this.#highest === undefined || this.#lowest === undefined) {
      return 0;
    }
    return this.#highest - this.#lowest + 1 - this.#seen.size;
  }
}
