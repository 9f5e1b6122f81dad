// Accumulates the pages of a multi-response answer (GB/T 28181-2016 Annex N, 2022 Annex M;
// docs/gb28181.md §3.2, §6): Catalog and RecordInfo results split over many MESSAGEs that all carry
// the request's SN, SumNum = grand total, arriving out of order and duplicated (one item per
// message from a Hikvision NVR, wvp #464). Complete at unique count ≥ SumNum; otherwise the
// caller's quiet timer ends the collection with a partial result. Timer-free: the caller owns
// the clock and restarts its quiet timer whenever addPage reports progress.
import type { CatalogItem } from './catalog.js';
import type { RecordItem } from './record.js';

/** Catalog items are unique by DeviceID. */
export const catalogItemKey = (item: CatalogItem): string => item.deviceId;

/** Record items are unique by StartTime + EndTime + FilePath (wvp dedupes on the times only). */
export const recordItemKey = (item: RecordItem): string =>
  `${item.startTime}|${item.endTime}|${item.filePath ?? ''}`;

export type PageOutcome<T> =
  /** No collection is open for this (device, SN): unsolicited, late or already finished. */
  | { state: 'unknown' }
  | { state: 'progress'; received: number; sumNum: number; newItems: number }
  | { state: 'complete'; result: CollectedResult<T> };

/** `partial` ⇒ fewer unique items than SumNum: never delete channels on it (docs/gb28181.md §3.2). */
export interface CollectedResult<T> {
  items: T[];
  sumNum: number;
  partial: boolean;
  pages: number;
  duplicates: number;
}

export interface MultiResponseOptions {
  /** Unique items kept per collection; further new items are dropped. Default 100000. */
  maxItems?: number;
}

class Collection<T> {
  readonly items = new Map<string, T>();
  sumNum = 0;
  pages = 0;
  duplicates = 0;

  result(partial: boolean): CollectedResult<T> {
    return {
      items: [...this.items.values()],
      sumNum: this.sumNum,
      partial,
      pages: this.pages,
      duplicates: this.duplicates,
    };
  }
}

/**
 * Open collections keyed by (envelope DeviceID, SN). For RecordInfo the envelope DeviceID is the
 * channel the query named; the response echoes it.
 */
export class MultiResponseCollector<T> {
  private readonly open = new Map<string, Collection<T>>();
  private readonly maxItems: number;

  constructor(
    private readonly keyOf: (item: T) => string,
    options: MultiResponseOptions = {},
  ) {
    this.maxItems = options.maxItems ?? 100_000;
  }

  private static key(deviceId: string, sn: string): string {
    return `${deviceId}\u0000${sn}`;
  }

  /** Starts collecting for a request we issued. Re-opening restarts the collection. */
  start(deviceId: string, sn: string): void {
    this.open.set(MultiResponseCollector.key(deviceId, sn), new Collection<T>());
  }

  isOpen(deviceId: string, sn: string): boolean {
    return this.open.has(MultiResponseCollector.key(deviceId, sn));
  }

  get size(): number {
    return this.open.size;
  }

  /**
   * Adds one page. The largest SumNum seen counts (devices have been seen to vary it). On
   * 'complete' the collection is closed; later duplicates then report 'unknown'.
   */
  addPage(deviceId: string, sn: string, sumNum: number, items: readonly T[]): PageOutcome<T> {
    const key = MultiResponseCollector.key(deviceId, sn);
    const c = this.open.get(key);
    if (!c) {
      return { state: 'unknown' };
    }
    c.pages++;
    c.sumNum = Math.max(c.sumNum, sumNum);
    let newItems = 0;
    for (const item of items) {
      const k = this.keyOf(item);
      if (c.items.has(k)) {
        c.duplicates++;
      } else if (c.items.size < this.maxItems) {
        c.items.set(k, item);
        newItems++;
      }
    }
    if (c.items.size >= c.sumNum) {
      this.open.delete(key);
      return { state: 'complete', result: c.result(false) };
    }
    return { state: 'progress', received: c.items.size, sumNum: c.sumNum, newItems };
  }

  /**
   * Ends a collection (the caller's quiet timer fired, or it gave up): the items so far,
   * `partial` unless complete. Undefined when nothing was open.
   */
  finish(deviceId: string, sn: string): CollectedResult<T> | undefined {
    const key = MultiResponseCollector.key(deviceId, sn);
    const c = this.open.get(key);
    if (!c) {
      return undefined;
    }
    this.open.delete(key);
    return c.result(c.pages === 0 || c.items.size < c.sumNum);
  }

  /** Drops every open collection (device gone). Returns how many were open. */
  clear(deviceId?: string): number {
    let n = 0;
    for (const key of [...this.open.keys()]) {
      if (deviceId === undefined || key.startsWith(`${deviceId}\u0000`)) {
        this.open.delete(key);
        n++;
      }
    }
    return n;
  }
}
