// Puts RTP packets back in sequence order and reports what never arrived (RFC 3550 §5.1, A.1).
// UDP may reorder, duplicate and drop datagrams; the PS demuxer after this stage needs the
// payload bytes in order and must hear about every hole so it can drop the damaged access unit.
import type { Processor } from '../processor.js';
import type { RtpPacket } from './packet.js';
import { seqDiff } from './sequence.js';

export type ReorderOutput = { kind: 'packet'; packet: RtpPacket } | { kind: 'gap'; lost: number };

export interface RtpReorderOptions {
  /** Packets held waiting for a missing one; a packet this far ahead gives up on it. Default 32. */
  window?: number;
  /**
   * Packets collected before the first one is emitted, so a stream whose first packets arrive
   * out of order still starts at its lowest sequence number. Default min(8, window).
   */
  startup?: number;
}

/** RFC 3550 A.1 MAX_DROPOUT: a jump at least this far ahead is a restart, not loss. */
const MAX_DROPOUT = 3000;
/** RFC 3550 A.1 MAX_MISORDER: how far behind a packet may be and still count as late or duplicate. */
const MAX_MISORDER = 100;
/** Power of two above MAX_MISORDER: remembers which recent sequence numbers were emitted. */
const HISTORY = 128;

export class RtpReorderBuffer implements Processor<RtpPacket, ReorderOutput> {
  readonly stats = {
    received: 0,
    emitted: 0,
    reordered: 0,
    duplicates: 0,
    late: 0,
    lost: 0,
    resets: 0,
    strays: 0,
  };
  private readonly window: number;
  private readonly startup: number;
  /** Ring of held packets indexed by extended sequence modulo window; holds [expected, expected + window). */
  private readonly slots: (RtpPacket | undefined)[];
  private held = 0;
  /** Extended sequence number of the next packet to emit; undefined while starting up. */
  private expected: number | undefined;
  private highest = 0;
  /** Sequence numbers given up on but not yet reported: a gap goes out before the next packet. */
  private pendingLost = 0;
  private readonly history = new Float64Array(HISTORY).fill(-1);
  private starting: RtpPacket[] = [];
  /** A packet far outside the window, kept until the next packet confirms or refutes a restart. */
  private probe: RtpPacket | undefined;

  constructor(opts: RtpReorderOptions = {}) {
    this.window = Math.max(1, Math.floor(opts.window ?? 32));
    this.startup = Math.max(1, Math.min(this.window, Math.floor(opts.startup ?? 8)));
    this.slots = new Array<RtpPacket | undefined>(this.window).fill(undefined);
  }

  push(packet: RtpPacket): ReorderOutput[] {
    this.stats.received++;
    const out: ReorderOutput[] = [];
    if (this.expected === undefined) {
      this.starting.push(packet);
      if (this.starting.length >= this.startup) {
        this.begin(out);
      }
      return out;
    }
    this.accept(packet, out);
    return out;
  }

  /** Emits everything held, in order, with a gap for each hole; the next packet starts afresh. */
  flush(): ReorderOutput[] {
    const out: ReorderOutput[] = [];
    if (this.expected === undefined && this.starting.length > 0) {
      this.begin(out);
    }
    if (this.expected !== undefined) {
      this.skipTo(this.expected + this.window, out, true);
    }
    if (this.probe) {
      this.stats.strays++;
    }
    this.restartState();
    return out;
  }

  /** Ends startup: the lowest collected sequence number becomes the first expected one. */
  private begin(out: ReorderOutput[]): void {
    const first = this.starting[0].sequence;
    // Offset by one cycle so extended numbers stay positive for packets just before the first.
    let lowest = 0x10000 + first;
    for (const p of this.starting) {
      const d = seqDiff(p.sequence, first);
      if (d >= -MAX_MISORDER && d < MAX_DROPOUT) {
        lowest = Math.min(lowest, 0x10000 + first + d);
      } // strays aside
    }
    this.expected = lowest;
    this.highest = lowest;
    const collected = this.starting;
    this.starting = [];
    for (const p of collected) {
      this.accept(p, out);
    }
  }

  private accept(packet: RtpPacket, out: ReorderOutput[]): void {
    const expected = this.expected!;
    const d = seqDiff(packet.sequence, expected & 0xffff);
    if (d >= MAX_DROPOUT || d < -MAX_MISORDER) {
      this.jump(packet, out);
      return;
    }
    if (this.probe) {
      this.stats.strays++; // the far packet was not followed by its successor: a stray
      this.probe = undefined;
    }
    const ext = expected + d;
    if (d < 0) {
      if (this.history[ext % HISTORY] === ext) {
        this.stats.duplicates++;
      } else {
        this.stats.late++;
      }
      return;
    }
    if (ext < this.highest) {
      this.stats.reordered++;
    } else {
      this.highest = ext;
    }
    if (d >= this.window) {
      this.skipTo(ext - this.window + 1, out, false);
    }
    const slot = ext % this.window;
    if (this.slots[slot]) {
      this.stats.duplicates++;
      return;
    }
    this.slots[slot] = packet;
    this.held++;
    this.drain(out);
  }

  /** Emits consecutive held packets starting at `expected`. */
  private drain(out: ReorderOutput[]): void {
    for (;;) {
      const slot = this.expected! % this.window;
      const packet = this.slots[slot];
      if (!packet) {
        return;
      }
      this.slots[slot] = undefined;
      this.held--;
      this.emit(packet, out);
    }
  }

  /**
   * Gives up on every missing sequence number below `target`, emitting held packets on the way.
   * With `reportTail` the holes after the last held packet are reported too (flush); otherwise
   * they stay pending until the next packet goes out.
   */
  private skipTo(target: number, out: ReorderOutput[], reportTail: boolean): void {
    while (this.expected! < target) {
      if (this.held === 0) {
        if (!reportTail) {
          const skipped = target - this.expected!;
          this.pendingLost += skipped;
          this.stats.lost += skipped;
        }
        this.expected = target;
        break;
      }
      const slot = this.expected! % this.window;
      const packet = this.slots[slot];
      if (packet) {
        this.slots[slot] = undefined;
        this.held--;
        this.emit(packet, out);
      } else {
        this.pendingLost++;
        this.stats.lost++;
        this.expected!++;
      }
    }
    if (reportTail) {
      this.pendingLost = 0;
    } // nothing follows a flush to report the gap before
  }

  private emit(packet: RtpPacket, out: ReorderOutput[]): void {
    if (this.pendingLost > 0) {
      out.push({ kind: 'gap', lost: this.pendingLost });
      this.pendingLost = 0;
    }
    const ext = this.expected!;
    this.history[ext % HISTORY] = ext;
    this.expected = ext + 1;
    this.stats.emitted++;
    out.push({ kind: 'packet', packet });
  }

  /**
   * RFC 3550 A.1: one packet far from the expected sequence may be a stray; two in a row mean
   * the sender restarted (new encoder, device reboot). Drain the old stream, report a gap of
   * unknown size (lost 0) so the consumer drops partial state, and start over from the probe.
   */
  private jump(packet: RtpPacket, out: ReorderOutput[]): void {
    const probe = this.probe;
    if (
      !probe ||
      seqDiff(packet.sequence, probe.sequence) <= 0 ||
      seqDiff(packet.sequence, probe.sequence) > this.window
    ) {
      if (probe) {
        this.stats.strays++;
      }
      this.probe = packet;
      return;
    }
    this.stats.resets++;
    this.skipTo(this.expected! + this.window, out, true);
    out.push({ kind: 'gap', lost: 0 });
    this.restartState();
    this.starting = [probe, packet];
    if (this.starting.length >= this.startup) {
      this.begin(out);
    }
  }

  private restartState(): void {
    this.slots.fill(undefined);
    this.held = 0;
    this.expected = undefined;
    this.pendingLost = 0;
    this.history.fill(-1);
    this.starting = [];
    this.probe = undefined;
  }
}
