// Network and device faults for the PS-over-RTP sender (simulator and tests): loss, reordering,
// duplication, jitter, a wrong SSRC, a device that goes silent, corrupted PS bytes. Works on
// serialized RTP packets, before RFC 4571 framing; seeded, so every run can be reproduced.

export interface FaultOptions {
  /** Probability (0..1) that a packet is dropped. */
  loss?: number;
  /** Probability that a packet is swapped with the next one. */
  reorder?: number;
  /** Probability that a packet is sent twice. */
  duplicate?: number;
  /** Each packet is delayed by a uniform 0..jitterMs (which also reorders, as a network does). */
  jitterMs?: number;
  /** Send this SSRC instead of the configured one (a device ignoring y=). */
  wrongSsrc?: number;
  /** Stop sending this many seconds after the first packet (a device that hangs). */
  silentAfterSec?: number;
  /** Probability that a packet gets 1–4 payload bytes flipped. */
  corruptPs?: number;
  /**
   * A firewall between the device and us drops all UDP media: the device answers the INVITE and
   * sends, but nothing arrives; TCP media is unaffected (docs/gb28181.md §11 quirk 21). Applied by the
   * sender, which knows its transport.
   */
  blockUdp?: boolean;
  /** PRNG seed. Default 1. */
  seed?: number;
}

export interface FaultStats {
  dropped: number;
  reordered: number;
  duplicated: number;
  corrupted: number;
  delayed: number;
  silenced: number;
  /** UDP packets dropped by blockUdp. */
  blocked: number;
}

/** xorshift32 (Marsaglia 2003): small, fast, good enough for fault dice. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 0x6b43a9b5;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** RTP header length: 12 + 4·CC + extension (RFC 3550 §5.1, §5.3.1). */
function rtpHeaderLength(p: Uint8Array): number {
  let n = 12 + (p[0] & 0x0f) * 4;
  if (p[0] & 0x10 && p.length >= n + 4) {
    n += 4 + ((p[n + 2] << 8) | p[n + 3]) * 4;
  }
  return n;
}

export class FaultInjector {
  readonly stats: FaultStats = {
    dropped: 0,
    reordered: 0,
    duplicated: 0,
    corrupted: 0,
    delayed: 0,
    silenced: 0,
    blocked: 0,
  };
  private readonly rand: () => number;
  private held: Uint8Array | undefined;
  private firstAt: number | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly opts: FaultOptions,
    private readonly send: (packet: Uint8Array) => void,
  ) {
    this.rand = seededRandom(opts.seed ?? 1);
  }

  /** Takes ownership of `packet` (it may be modified in place). */
  push(packet: Uint8Array): void {
    if (this.closed) {
      return;
    }
    const o = this.opts;
    const now = Date.now();
    this.firstAt ??= now;
    if (o.silentAfterSec !== undefined && now - this.firstAt >= o.silentAfterSec * 1000) {
      this.stats.silenced++;
      return;
    }
    if (o.loss && this.rand() < o.loss) {
      this.stats.dropped++;
      return;
    }
    if (o.wrongSsrc !== undefined && packet.length >= 12) {
      new DataView(packet.buffer, packet.byteOffset, packet.byteLength).setUint32(8, o.wrongSsrc >>> 0);
    }
    if (o.corruptPs && this.rand() < o.corruptPs) {
      this.corrupt(packet);
    }
    if (o.reorder && !this.held && this.rand() < o.reorder) {
      this.held = packet;
      this.stats.reordered++;
      return;
    }
    this.emit(packet);
    if (this.held) {
      const held = this.held;
      this.held = undefined;
      this.emit(held);
    }
  }

  /** Sends a packet still held for reordering. */
  flush(): void {
    const held = this.held;
    this.held = undefined;
    if (held && !this.closed) {
      this.emit(held);
    }
  }

  /** Cancels delayed packets. Idempotent. */
  close(): void {
    this.closed = true;
    this.held = undefined;
    for (const t of this.timers) {
      clearTimeout(t);
    }
    this.timers.clear();
  }

  private emit(packet: Uint8Array): void {
    this.deliver(packet);
    if (this.opts.duplicate && this.rand() < this.opts.duplicate) {
      this.stats.duplicated++;
      this.deliver(packet);
    }
  }

  private deliver(packet: Uint8Array): void {
    const jitter = this.opts.jitterMs ?? 0;
    if (jitter <= 0) {
      this.send(packet);
      return;
    }
    this.stats.delayed++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) {
        this.send(packet);
      }
    }, this.rand() * jitter);
    this.timers.add(timer);
  }

  private corrupt(packet: Uint8Array): void {
    const start = rtpHeaderLength(packet);
    const span = packet.length - start;
    if (span <= 0) {
      return;
    }
    this.stats.corrupted++;
    const flips = 1 + Math.floor(this.rand() * 4);
    for (let i = 0; i < flips; i++) {
      const at = start + Math.floor(this.rand() * span);
      packet[at] ^= 1 + Math.floor(this.rand() * 255);
    }
  }
}
