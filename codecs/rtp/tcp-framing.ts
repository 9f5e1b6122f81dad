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
// is implausible, whose packet is not version 2, whose RTCP length fields do not add up to it, or
// whose SSRC is not the stream's makes the framer search forward for a length + RTP header
// carrying the known SSRC (the way ZLMediaKit's RtpSession recovers); a header with another SSRC
// is only believed when the frame after it has the same SSRC (tcp-framing-resync.ts has the exact
// rule), so a real SSRC change costs one packet of latency. Every decision depends on the bytes
// alone, so the frames are the same however TCP segments the stream.
import type { Processor } from '../processor.js';
import { isRtcpSecondOctet, readSsrc, Resync, RTP_HEADER } from './tcp-framing-resync.js';

export interface Rfc4571FramerOptions {
  /**
   * Largest frame accepted; longer lengths are treated as corruption. Default 65535, the most the
   * 16-bit field can say: real devices send RTP packets well above ZLMediaKit's 10 KB limit
   * (ZLMediaKit issues #694, #3278), and the RTP header + SSRC check already catches corruption,
   * so a smaller bound would only drop valid streams. Lower it for devices known to send small packets.
   */
  maxFrameBytes?: number;
}

/** The shortest RTCP packet, an RR with no report blocks (RFC 3550 §6.4.2). */
const RTCP_MIN = 8;
/** RTCP packet types SR and RR (RFC 3550 §12.1). */
const RTCP_SR = 200;
const RTCP_RR = 201;
/** While searching, a chunk joins the carried bytes this much at a time, so the carry stays small. */
const SEARCH_SLICE = 16 * 1024;

type Verdict = 'ok' | 'bad' | 'wait' | 'other-ssrc';

export class Rfc4571Framer implements Processor<Uint8Array, Uint8Array> {
  readonly stats = { frames: 0, resyncs: 0, droppedBytes: 0, ssrcChanges: 0 };
  private readonly maxFrameBytes: number;
  /** Bytes carried to the next chunk, buf[head, tail): an unfinished frame, or what a search still needs. */
  private buf = new Uint8Array(0);
  private head = 0;
  private tail = 0;
  /** Absolute stream offset of buf[head] (of the next byte to arrive when nothing is carried). */
  private headAt = 0;
  /** Set while out of sync. */
  private resync: Resync | undefined;
  private ssrc: number | undefined;
  /** How far the RTCP compound at absolute offset rtcpFrame has been walked (absolute offset). */
  private rtcpFrame = -1;
  private rtcpWalked = 0;

  constructor(opts: Rfc4571FramerOptions = {}) {
    this.maxFrameBytes = Math.min(0xffff, Math.max(RTP_HEADER, Math.floor(opts.maxFrameBytes ?? 0xffff)));
  }

  /** Frames that lie inside `chunk` are returned as views of it; frames spanning chunks are copies. */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let pos = 0;
    // Carried bytes get only what they need: the rest of their frame, or a slice for the search.
    while (pos < chunk.length && (this.tail > this.head || this.resync)) {
      const take = Math.min(this.resync ? SEARCH_SLICE : this.need(), chunk.length - pos);
      this.append(chunk.subarray(pos, pos + take));
      pos += take;
      const stop = this.scan(this.buf, this.head, this.tail, this.headAt - this.head, true, out);
      this.headAt += stop - this.head;
      this.head = stop;
      if (this.head === this.tail) {
        this.head = this.tail = 0;
      }
    }
    if (pos < chunk.length) {
      // Nothing carried and in sync: frames inside the chunk are views of it.
      const origin = this.headAt - pos;
      const stop = this.scan(chunk, pos, chunk.length, origin, false, out);
      this.headAt = origin + stop;
      this.append(chunk.subarray(stop));
    }
    return out;
  }

  /** End of the connection: an unfinished frame is dropped; the next byte must start a frame. */
  flush(): Uint8Array[] {
    this.stats.droppedBytes += this.tail - this.head;
    this.headAt += this.tail - this.head;
    this.head = this.tail = 0;
    this.resync = undefined;
    this.ssrc = undefined;
    this.rtcpFrame = -1;
    return [];
  }

  /**
   * Emits whole frames from data[pos, end), where data[0] is absolute stream offset `origin`;
   * returns where the bytes to carry begin.
   */
  private scan(
    data: Uint8Array,
    pos: number,
    end: number,
    origin: number,
    copy: boolean,
    out: Uint8Array[],
  ): number {
    for (;;) {
      if (this.resync) {
        const found = this.resync.next(data, origin, end, this.ssrc);
        const at = (found ? found.at : this.resync.keepFrom()) - origin;
        this.stats.droppedBytes += at - pos;
        pos = at;
        if (!found) {
          return pos;
        }
        if (found.at > this.resync.start) {
          this.stats.resyncs++;
        }
        if (found.ssrc !== this.ssrc) {
          this.stats.ssrcChanges += this.ssrc === undefined ? 0 : 1;
          this.ssrc = found.ssrc;
        }
        this.resync = undefined;
      }
      if (end - pos < 2) {
        return pos;
      }
      const length = (data[pos] << 8) | data[pos + 1];
      const verdict = this.check(data, pos, end, origin, length);
      if (verdict === 'wait') {
        return pos;
      }
      if (verdict !== 'ok') {
        this.resync = new Resync(origin + pos, this.maxFrameBytes);
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
  private check(data: Uint8Array, pos: number, end: number, origin: number, length: number): Verdict {
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
      return this.checkRtcp(data, pos, end, origin, length);
    }
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
   * RTCP header validity checks of RFC 3550 Appendix A.2 (why §6.1 makes every compound packet
   * start with a report): the first packet is an SR or RR without padding, and the length fields,
   * in 32-bit words minus one (§6.4.1), add up to the frame exactly. Payload bytes that merely look
   * like an RTCP header rarely pass. The walk resumes where the previous push left it.
   */
  private checkRtcp(data: Uint8Array, pos: number, end: number, origin: number, length: number): Verdict {
    const first = data[pos + 3];
    if (length % 4 !== 0 || (first !== RTCP_SR && first !== RTCP_RR) || (data[pos + 2] & 0x20) !== 0) {
      return 'bad';
    }
    if (this.rtcpFrame !== origin + pos) {
      this.rtcpFrame = origin + pos;
      this.rtcpWalked = origin + pos + 2;
    }
    const stop = pos + 2 + length;
    let p = this.rtcpWalked - origin;
    for (; p < stop; p += 4 * (((data[p + 2] << 8) | data[p + 3]) + 1)) {
      if (stop - p < 4) {
        return 'bad';
      }
      if (end - p < 4) {
        this.rtcpWalked = origin + p;
        return 'wait';
      }
      if (data[p] >> 6 !== 2 || !isRtcpSecondOctet(data[p + 1])) {
        return 'bad';
      }
    }
    this.rtcpWalked = origin + p;
    return p === stop ? 'ok' : 'bad';
  }

  private need(): number {
    const have = this.tail - this.head;
    if (have < 2) {
      return 2 - have;
    }
    return Math.max(1, 2 + ((this.buf[this.head] << 8) | this.buf[this.head + 1]) - have);
  }

  private append(bytes: Uint8Array): void {
    if (bytes.length === 0) {
      return;
    }
    if (this.tail + bytes.length > this.buf.length) {
      // Compact, or grow to twice what is needed, so copying stays linear in the bytes pushed.
      const live = this.tail - this.head;
      const needed = live + bytes.length;
      if (2 * needed > this.buf.length) {
        const grown = new Uint8Array(Math.max(2048, 2 * needed));
        grown.set(this.buf.subarray(this.head, this.tail));
        this.buf = grown;
      } else {
        this.buf.copyWithin(0, this.head, this.tail);
      }
      this.head = 0;
      this.tail = live;
    }
    this.buf.set(bytes, this.tail);
    this.tail += bytes.length;
  }
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
