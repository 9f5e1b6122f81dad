// Reads the clear-text RTP header of every SRTP packet a werift viewer's socket receives
// (RFC 3711 §3.1 leaves the header unencrypted) without decrypting: per payload type,
// packets received and packets expected from the sequence-number span, so loss is counted
// exactly (RFC 3550 §6.4.1 "cumulative number of packets lost"), plus an optional per-packet
// callback with the arrival time for the latency suite.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//   |                           timestamp                           |
//   |           synchronization source (SSRC) identifier            |
import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';

export interface RtpArrival {
  pt: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  /** performance.now() at the 'message' event. */
  atMs: number;
}

export interface PtCounts {
  received: number;
  /** Highest extended sequence number − first + 1, summed over SSRCs. */
  expected: number;
}

class SeqTrack {
  first = -1;
  highest = -1;
  received = 0;
  observe(seq: number): void {
    this.received++;
    if (this.first < 0) {
      this.first = seq;
      this.highest = seq;
      return;
    }
    // Extend the 16-bit number to the candidate nearest the highest seen (RFC 3550 A.1).
    const cycle = this.highest - (this.highest & 0xffff);
    let ext = cycle + seq;
    if (ext < this.highest - 0x8000) {
      ext += 0x10000;
    } else if (ext > this.highest + 0x8000) {
      ext -= 0x10000;
    }
    if (ext > this.highest) {
      this.highest = ext;
    }
  }
  get expected(): number {
    return this.first < 0 ? 0 : this.highest - this.first + 1;
  }
}

export class RtpTap {
  private readonly tracks = new Map<string, SeqTrack>();
  rtcp = 0;

  constructor(
    socket: Socket,
    private readonly onPacket?: (p: RtpArrival) => void,
  ) {
    socket.on('message', (msg: Buffer) => this.observe(msg));
  }

  observe(msg: Uint8Array): void {
    const b0 = msg[0] ?? 0;
    // RFC 7983 §7: 128-191 is RTP/RTCP; RFC 5761 §4: a second byte of 192-223 is RTCP.
    if (b0 < 128 || b0 > 191 || msg.length < 12) {
      return;
    }
    const b1 = msg[1];
    if (b1 >= 192 && b1 <= 223) {
      this.rtcp++;
      return;
    }
    const pt = b1 & 0x7f;
    const sequence = (msg[2] << 8) | msg[3];
    const ssrc = ((msg[8] << 24) | (msg[9] << 16) | (msg[10] << 8) | msg[11]) >>> 0;
    const key = `${pt}/${ssrc}`;
    let t = this.tracks.get(key);
    if (!t) {
      this.tracks.set(key, (t = new SeqTrack()));
    }
    t.observe(sequence);
    if (this.onPacket) {
      const timestamp = ((msg[4] << 24) | (msg[5] << 16) | (msg[6] << 8) | msg[7]) >>> 0;
      this.onPacket({ pt, marker: (b1 & 0x80) !== 0, sequence, timestamp, atMs: performance.now() });
    }
  }

  counts(pt: number): PtCounts {
    const c: PtCounts = { received: 0, expected: 0 };
    for (const [key, t] of this.tracks) {
      if (key.startsWith(`${pt}/`)) {
        c.received += t.received;
        c.expected += t.expected;
      }
    }
    return c;
  }
}
