// The out-of-sync search of the RFC 4571 framer (tcp-framing.ts). Which offset it picks depends
// only on the bytes of the stream, never on how TCP cut them into reads:
//
//   The sync point is the first offset p that holds a plausible length + RTP v2 header and either
//   (a) carries the stream's known SSRC, or
//   (b) carries another SSRC, the frame it claims is followed by a header with that same SSRC,
//       and no header with the known SSRC starts inside the frame it claims.
//
// (b) is how a real SSRC change (a device restart) is followed at the cost of one frame of
// latency; its last clause stops a pair of look-alike headers inside a payload from winning over
// the real packets they overlap. Each offset is looked at once, as its 14 bytes arrive, so a
// search costs linear time however the bytes trickle in, and it keeps only the bytes from its
// earliest undecided candidate on: at most one claimed frame (maxFrameBytes + 2) and a header.

/** RTP fixed header (RFC 3550 §5.1); the SSRC is its last word. */
export const RTP_HEADER = 12;
/** Bytes needed to judge an offset: the 16-bit length (RFC 4571 §2) and an RTP fixed header. */
export const PROBE = 2 + RTP_HEADER;

/** Second octet 192–223 is RTCP when it shares the stream with RTP (RFC 5761 §4). */
export const isRtcpSecondOctet = (b1: number): boolean => b1 >= 192 && b1 <= 223;

export function readSsrc(data: Uint8Array, rtpStart: number): number {
  const i = rtpStart + 8;
  return ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
}

/** SSRC of a plausible length + RTP v2 header at p (caller ensures PROBE bytes), else undefined. */
export function rtpHeaderAt(data: Uint8Array, p: number, maxFrameBytes: number): number | undefined {
  const length = (data[p] << 8) | data[p + 1];
  if (length < RTP_HEADER || length > maxFrameBytes) {
    return undefined;
  }
  if (data[p + 2] >> 6 !== 2 || isRtcpSecondOctet(data[p + 3])) {
    return undefined;
  }
  return readSsrc(data, p + 2);
}

const PENDING = 0;
const CONFIRMED = 1;
const FAILED = 2;

/** A header with another SSRC, waiting for the header where its claimed frame ends. */
interface Candidate {
  /** Absolute stream offset of the length field. */
  readonly at: number;
  readonly ssrc: number;
  state: typeof PENDING | typeof CONFIRMED | typeof FAILED;
}

export interface SyncPoint {
  /** Absolute stream offset of the first frame. */
  at: number;
  /** SSRC the stream continues with. */
  ssrc: number;
}

/** One search, from the offset where sync was lost; positions are absolute stream offsets. */
export class Resync {
  /** Next offset to look at. */
  private at: number;
  /** Candidates in stream order; those before `front` are settled as failed. */
  private queue: Candidate[] = [];
  private front = 0;
  /** Undecided candidates by the offset where their claimed frame ends. */
  private readonly due = new Map<number, Candidate[]>();

  constructor(
    readonly start: number,
    private readonly maxFrameBytes: number,
  ) {
    this.at = start;
  }

  /** Bytes before this offset can no longer start the resynced stream. */
  keepFrom(): number {
    return this.firstLive()?.at ?? this.at;
  }

  /**
   * Looks at every offset whose 14 bytes `data` holds (`data[0]` is absolute offset `origin`,
   * `data[end]` the first byte not yet received). Returns the sync point, or undefined to wait.
   */
  next(data: Uint8Array, origin: number, end: number, known: number | undefined): SyncPoint | undefined {
    for (; this.at - origin + PROBE <= end; this.at++) {
      const q = this.at;
      const ssrc = rtpHeaderAt(data, q - origin, this.maxFrameBytes);
      const due = this.due.get(q);
      if (due) {
        this.due.delete(q);
        for (const c of due) {
          c.state = c.state === PENDING && c.ssrc === ssrc ? CONFIRMED : FAILED;
        }
      }
      if (ssrc !== undefined && ssrc === known) {
        // A known header here lies inside the claimed frame of every undecided candidate.
        for (let k = this.front; k < this.queue.length; k++) {
          if (this.queue[k].state === CONFIRMED) {
            return this.queue[k];
          }
        }
        return { at: q, ssrc };
      }
      if (ssrc !== undefined) {
        const c: Candidate = { at: q, ssrc, state: PENDING };
        const i = q - origin;
        const frameEnd = q + 2 + ((data[i] << 8) | data[i + 1]);
        this.queue.push(c);
        const list = this.due.get(frameEnd);
        if (list) {
          list.push(c);
        } else {
          this.due.set(frameEnd, [c]);
        }
      }
      const first = this.firstLive();
      if (first?.state === CONFIRMED) {
        return first;
      }
    }
    return undefined;
  }

  private firstLive(): Candidate | undefined {
    while (this.front < this.queue.length && this.queue[this.front].state === FAILED) {
      this.front++;
    }
    if (this.front >= 1024 && 2 * this.front >= this.queue.length) {
      this.queue = this.queue.slice(this.front);
      this.front = 0;
    }
    return this.queue[this.front];
  }
}
