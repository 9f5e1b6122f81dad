// Keepalive sender (GB/T 28181-2016 §9.6; docs/gb28181.md §2): a MESSAGE <Notify> Keepalive every
// interval while registered; after `maxMisses` unanswered (or refused) in a row the registration
// is considered lost and the platform registers again (what devices do, wvp #657).
import { Buffer } from 'node:buffer';
import type { Keepalive } from '../manscdp/device.js';
import type { UpperLink } from './upper-link.js';

export interface KeepaliveOptions {
  link: UpperLink;
  /** Default 60 (the standard's default interval). */
  intervalSec?: number;
  /** Default 3 (the standard's timeout count). */
  maxMisses?: number;
  /** Hikvision writes an empty `<Info></Info>` (docs/gb28181.md §2). */
  emptyInfo?: boolean;
  /** Called once when `maxMisses` keepalives in a row went unanswered. */
  onLost(reason: string): void;
  /** Every answered or missed keepalive, for stats and tests. */
  onResult?(ok: boolean, status: number): void;
}

export class KeepaliveSender {
  readonly #o: KeepaliveOptions;
  #intervalSec: number;
  #maxMisses: number;
  #timer: NodeJS.Timeout | undefined;
  #misses = 0;
  #running = false;
  readonly stats = { sent: 0, answered: 0, missed: 0 };

  constructor(opts: KeepaliveOptions) {
    this.#o = opts;
    this.#intervalSec = opts.intervalSec ?? 60;
    this.#maxMisses = opts.maxMisses ?? 3;
  }

  /** The interval and count in force (DeviceConfig BasicParam may change them). */
  get timing(): { intervalSec: number; maxMisses: number } {
    return { intervalSec: this.#intervalSec, maxMisses: this.#maxMisses };
  }

  /** New timing (DeviceConfig BasicParam); a running cycle continues at the new interval. */
  setTiming(intervalSec: number, maxMisses: number): void {
    this.#intervalSec = intervalSec;
    this.#maxMisses = maxMisses;
    if (this.#running) {
      clearTimeout(this.#timer);
      this.#schedule();
    }
  }

  get misses(): number {
    return this.#misses;
  }

  /** Start (or restart) the cycle; the first keepalive goes out one interval from now. */
  start(): void {
    this.stop();
    this.#running = true;
    this.#misses = 0;
    this.#schedule();
  }

  /** Idempotent. */
  stop(): void {
    this.#running = false;
    if (this.#timer) {
      clearTimeout(this.#timer);
    }
    this.#timer = undefined;
  }

  get #intervalMs(): number {
    return Math.max(0.05, this.#intervalSec) * 1000;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => void this.#send(), this.#intervalMs);
  }

  async #send(): Promise<void> {
    if (!this.#running) {
      return;
    }
    const link = this.#o.link;
    const message: Keepalive = {
      kind: 'Keepalive',
      sn: link.nextSn(),
      deviceId: link.localId,
      status: 'OK',
      faultyDeviceIds: [],
    };
    let body = link.encode(message);
    if (this.#o.emptyInfo) {
      body = withEmptyInfo(body);
    }
    this.stats.sent++;
    // A keepalive is unanswered when the next one is due: wait at most one interval (and never
    // longer than the stack's own 64·T1).
    const res = await link.request(link.createMessage(body), {
      timeoutMs: Math.min(this.#intervalMs, 32_000),
    });
    if (!this.#running) {
      return;
    }
    const ok = res.status >= 200 && res.status < 300;
    this.#o.onResult?.(ok, res.status);
    if (ok) {
      this.stats.answered++;
      this.#misses = 0;
    } else {
      this.stats.missed++;
      this.#misses++;
      if (this.#misses >= this.#maxMisses) {
        this.stop();
        this.#o.onLost(`${this.#misses} keepalives unanswered (last ${res.status})`);
        return;
      }
    }
    this.#schedule();
  }
}

/** Insert `<Info></Info>` before `</Notify>` (the codec writes no empty containers). */
function withEmptyInfo(body: Uint8Array): Uint8Array {
  const text = Buffer.from(body).toString('latin1');
  return Buffer.from(text.replace('</Notify>', '<Info>\r\n</Info>\r\n</Notify>'), 'latin1');
}
