// RTP and RTCP over a TCP byte stream, each packet after a 16-bit big-endian length (RFC 4571 §2),
// as GB/T 28181 media connections carry them in TCP mode.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |             LENGTH            |  RTP or RTCP packet ...       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Senders do break the framing: ZLMediaKit issue #571 shows a camera whose non-blocking socket
// overwrote its own send buffer, leaving a truncated packet in the stream. A frame whose length
// is implausible, whose packet is not version 2, or whose SSRC is not the stream's makes the
// framer search forward, byte by byte, for a length + RTP header carrying the known SSRC
// (the way ZLMediaKit's RtpSession recovers). A header with another SSRC is only believed when
// the frame after it has the same SSRC, so a real SSRC change costs one packet of latency.
import type { Processor } from '../processor.js';

export interface Rfc4571FramerOptions {
  /**
   * Largest frame accepted; longer lengths are treated as corruption. Default 65535, the most the
   * 16-bit field can say: real devices send RTP packets well above ZLMediaKit's 10 KB limit
   * (ZLMediaKit issues #694, #3278), and the RTP header + SSRC check already catches corruption,
   * so a smaller bound would only drop valid streams. Lower it for devices known to send small packets.
   */
  maxFrameBytes?: number;
}

/** RTP fixed header (RFC 3550 §5.1); the SSRC is its last word. */
const RTP_HEADER = 12;
/** The shortest RTCP packet, an RR with no report blocks (RFC 3550 §6.4.2). */
const RTCP_MIN = 8;

type Verdict = 'ok' | 'bad' | 'wait' | 'other-ssrc';

/** Second octet 192–223 is RTCP when it shares the stream with RTP (RFC 5761 §4). */
const isRtcpSecondOctet = (b1: number): boolean => b1 >= 192 && b1 <= 223;

export class Rfc4571Framer implements Processor<Uint8Array, Uint8Array> {
  readonly stats = { frames: 0, resyncs: 0, droppedBytes: 0, ssrcChanges: 0 };
  private readonly maxFrameBytes: number;
  /** Bytes of an unfinished frame (or of a search in progress) carried to the next chunk. */
  private buf = new Uint8Array(0);
  private len = 0;
  private synced = true;
  private droppedSinceSync = 0;
  private ssrc: number | undefined;

  constructor(opts: Rfc4571FramerOptions = {}) {
    this.maxFrameBytes = Math.min(0xffff, Math.max(RTP_HEADER, Math.floor(opts.maxFrameBytes ?? 0xffff)));
  }

  /** Frames that lie inside `chunk` are returned as views of it; frames spanning chunks are copies. */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let pos = 0;
    // Finish a frame started in an earlier chunk by copying only the bytes it still needs.
    while (this.len > 0 && this.synced && pos < chunk.length) {
      const need = this.len < 2 ? 2 - this.len : 2 + this.lengthField() - this.len;
      const take = Math.min(Math.max(need, 1), chunk.length - pos);
      this.append(chunk.subarray(pos, pos + take));
      pos += take;
      this.consume(this.scan(this.buf, 0, this.len, true, out));
    }
    if (this.len > 0) {
      // Still unfinished, or searching: keep collecting and scan the carried bytes.
      if (pos < chunk.length) {
        this.append(chunk.subarray(pos));
        this.consume(this.scan(this.buf, 0, this.len, true, out));
      }
      return out;
    }
    const stop = this.scan(chunk, pos, chunk.length, false, out);
    if (stop < chunk.length) {
      this.append(chunk.subarray(stop));
    }
    return out;
  }

  /** End of the connection: an unfinished frame is dropped; the next byte must start a frame. */
  flush(): Uint8Array[] {
    this.stats.droppedBytes += this.len;
    this.len = 0;
    this.synced = true;
    this.droppedSinceSync = 0;
    this.ssrc = undefined;
    return [];
  }

  /** Emits whole frames from data[pos, end); returns where the unconsumed bytes begin. */
  private scan(data: Uint8Array, pos: number, end: number, copy: boolean, out: Uint8Array[]): number {
    for (;;) {
      if (!this.synced) {
        const at = this.search(data, pos, end);
        this.stats.droppedBytes += at.index - pos;
        this.droppedSinceSync += at.index - pos;
        pos = at.index;
        if (!at.found) {
          return pos;
        }
        if (this.droppedSinceSync > 0) {
          this.stats.resyncs++;
        }
        this.synced = true;
        this.droppedSinceSync = 0;
      }
      if (end - pos < 2) {
        return pos;
      }
      const length = (data[pos] << 8) | data[pos + 1];
      const verdict = this.check(data, pos, end, length);
      if (verdict === 'wait') {
        return pos;
      }
      if (verdict !== 'ok') {
        this.synced = false;
        continue;
      }
      if (end - pos < 2 + length) {
        return pos;
      }
      const start = pos + 2;
      out.push(copy ? data.slice(start, start + length) : data.subarray(start, start + length));
      this.stats.frames++;
      pos = start + length;
    }
  }

  /** In sync: is the frame at `pos` believable? Locks onto the first RTP SSRC seen. */
  private check(data: Uint8Array, pos: number, end: number, length: number): Verdict {
    if (length < RTCP_MIN || length > this.maxFrameBytes) {
      return 'bad';
    }
    if (end - pos < 2 + Math.min(length, RTP_HEADER)) {
      return 'wait';
    }
    if (data[pos + 2] >> 6 !== 2) {
      return 'bad';
    }
    if (isRtcpSecondOctet(data[pos + 3])) {
      return length % 4 === 0 ? 'ok' : 'bad';
    } // RTCP is 32-bit aligned (§6.4.1)
    if (length < RTP_HEADER) {
      return 'bad';
    }
    const ssrc = readSsrc(data, pos + 2);
    if (this.ssrc === undefined) {
      this.ssrc = ssrc;
    }
    return ssrc === this.ssrc ? 'ok' : 'other-ssrc';
  }

  /**
   * Out of sync: the first position holding a length + RTP header with the known SSRC, or one with
   * another SSRC that the following frame confirms. `found: false` means wait for more bytes at `index`.
   */
  private search(data: Uint8Array, pos: number, end: number): { index: number; found: boolean } {
    let waitAt = -1;
    for (let p = pos; p < end; p++) {
      if (end - p < 2 + RTP_HEADER) {
        return { index: waitAt >= 0 ? waitAt : p, found: false };
      }
      const ssrc = this.rtpHeaderAt(data, p);
      if (ssrc === undefined) {
        continue;
      }
      if (ssrc === this.ssrc) {
        return { index: p, found: true };
      }
      if (waitAt >= 0) {
        continue;
      } // an earlier candidate is still undecided; look only for the known SSRC
      const next = p + 2 + ((data[p] << 8) | data[p + 1]);
      if (end - next < 2 + RTP_HEADER) {
        waitAt = p;
        continue;
      }
      if (this.rtpHeaderAt(data, next) === ssrc) {
        if (this.ssrc !== undefined) {
          this.stats.ssrcChanges++;
        }
        this.ssrc = ssrc;
        return { index: p, found: true };
      }
    }
    return { index: waitAt >= 0 ? waitAt : end, found: false };
  }

  /** SSRC of a plausible length + RTP v2 header at p (caller ensures 14 bytes), else undefined. */
  private rtpHeaderAt(data: Uint8Array, p: number): number | undefined {
    const length = (data[p] << 8) | data[p + 1];
    if (length < RTP_HEADER || length > this.maxFrameBytes) {
      return undefined;
    }
    if (data[p + 2] >> 6 !== 2 || isRtcpSecondOctet(data[p + 3])) {
      return undefined;
    }
    return readSsrc(data, p + 2);
  }

  private lengthField(): number {
    return (this.buf[0] << 8) | this.buf[1];
  }

  private append(bytes: Uint8Array): void {
    if (this.len + bytes.length > this.buf.length) {
      const grown = new Uint8Array(Math.max(2 * this.buf.length, this.len + bytes.length, 2048));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  private consume(n: number): void {
    if (n === 0) {
      return;
    }
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
  }
}

function readSsrc(data: Uint8Array, rtpStart: number): number {
  const i = rtpStart + 8;
  return ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
}

/** Prefixes one RTP or RTCP packet with its RFC 4571 length, for senders. */
export function frameRfc4571(packet: Uint8Array): Uint8Array {
  if (packet.length > 0xffff) {
    throw new RangeError(`RFC 4571 frames carry at most 65535 bytes, got ${packet.length}`);
  }
  const out = new Uint8Array(2 + packet.length);
  out[0] = packet.length >> 8;
  out[1] = packet.length & 0xff;
  out.set(packet, 2);
  return out;
}
