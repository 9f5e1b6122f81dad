// Packetizes each access unit once for all WebRTC viewers. The hub hands the same AccessUnit
// object to every sink (and replays cached ones by reference), so a WeakMap keyed by the AU
// turns N packetizations into one; entries die with the AU. Per-viewer work is then only
// an RTP header (rtp-writer.ts).
import { packetizeH264 } from '../../../codecs/h264/rtp-packetizer.js';
import { packetizeH265 } from '../../../codecs/h265/rtp-packetizer.js';
import type { AccessUnit } from '../../../codecs/types.js';
import { audioRtpTimestamp, toUint32, videoRtpTimestamp } from './rtp-clock.js';

/** One RTP payload and where it sits in the media clock, before any per-viewer offset. */
export interface PayloadSlot {
  readonly payload: Buffer;
  /** RTP timestamp at the codec clock (90 kHz video, 8 kHz G.711). */
  readonly timestamp: number;
  /** RFC 6184 §5.1 / RFC 7798 §4.1: set on the last packet of an access unit. */
  readonly marker: boolean;
}

export interface PacketizedAu {
  readonly kind: 'video' | 'audio';
  readonly slots: readonly PayloadSlot[];
  readonly bytes: number;
}

export interface PacketizeCacheOptions {
  /** RTP payload limit in bytes. Default 1200: fits 1280-byte IPv6 minimum MTU after SRTP, UDP and IP headers. */
  mtu?: number;
  /** G.711 samples per RTP packet when an access unit must be split. Default 160 (20 ms, RFC 3551 §4.5 default ptime). */
  audioSamplesPerPacket?: number;
}

const asBuffer = (u: Uint8Array): Buffer =>
  Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export class PacketizeCache {
  private readonly cache = new WeakMap<AccessUnit, PacketizedAu>();
  private readonly mtu: number;
  private readonly audioChunk: number;
  /** How often an AU was packetized (misses) versus reused (hits); the bench reports both. */
  readonly stats = { hits: 0, misses: 0 };

  constructor(opts: PacketizeCacheOptions = {}) {
    this.mtu = opts.mtu ?? 1200;
    this.audioChunk = opts.audioSamplesPerPacket ?? 160;
  }

  /** Undefined for codecs WebRTC cannot carry here (AAC) and for empty AUs. */
  get(au: AccessUnit): PacketizedAu | undefined {
    const hit = this.cache.get(au);
    if (hit) {
      this.stats.hits++;
      return hit;
    }
    const out = this.packetize(au);
    if (out) {
      this.stats.misses++;
      this.cache.set(au, out);
    }
    return out;
  }

  private packetize(au: AccessUnit): PacketizedAu | undefined {
    switch (au.codec) {
      case 'H264':
      case 'H265': {
        const payloads =
          au.codec === 'H264' ? packetizeH264(au.units, this.mtu) : packetizeH265(au.units, this.mtu);
        if (payloads.length === 0) {
          return undefined;
        }
        const timestamp = videoRtpTimestamp(au.pts);
        let bytes = 0;
        const slots = payloads.map((p, i): PayloadSlot => {
          bytes += p.length;
          return { payload: asBuffer(p), timestamp, marker: i === payloads.length - 1 };
        });
        return { kind: 'video', slots, bytes };
      }
      case 'PCMA':
      case 'PCMU':
        return this.packetizeG711(au);
      case 'AAC':
        return undefined;
    }
  }

  /**
   * G.711 is one byte per sample, so an RTP packet is a slice of the samples and its
   * timestamp advances by the slice's byte count (RFC 3551 §4.5.14). Small AUs (≤ 2 chunks)
   * go out whole; larger ones are cut into audioSamplesPerPacket pieces.
   */
  private packetizeG711(au: AccessUnit): PacketizedAu | undefined {
    const data = au.units.length === 1 ? asBuffer(au.units[0]) : Buffer.concat(au.units.map(asBuffer));
    if (data.length === 0) {
      return undefined;
    }
    const base = audioRtpTimestamp(au.pts);
    const chunk = data.length <= 2 * this.audioChunk ? data.length : this.audioChunk;
    const slots: PayloadSlot[] = [];
    for (let off = 0; off < data.length; off += chunk) {
      // Marker stays 0: RFC 3551 §4.1 reserves it for the first packet after silence suppression.
      slots.push({
        payload: data.subarray(off, off + chunk),
        timestamp: toUint32(base + off),
        marker: false,
      });
    }
    return { kind: 'audio', slots, bytes: data.length };
  }
}
