// Matches device answers to our queries by (device, CmdType, SN), never by Call-ID: a Response is
// a new device-initiated MESSAGE (docs/gb28181.md §0). Multi-page answers (Catalog, RecordInfo; 2016
// Annex N) accumulate in a MultiResponseCollector (multi-response.ts, timer-free) until SumNum
// unique items arrived; this file owns the clock: a quiet timeout ends them as partial. Pieces
// arrive out of order and duplicated (wvp #464).
import { randomInt } from 'node:crypto';
import { MultiResponseCollector, type CollectedResult } from '../manscdp/multi-response.js';

export interface PageResult<T> {
  items: T[];
  sumNum: number;
  complete: boolean;
}

interface Pending {
  onMessage(message: unknown): void;
  fail(err: Error): void;
}

export class QueryTimeoutError extends Error {
  constructor(readonly cmdType: string) {
    super(`no ${cmdType} answer in time`);
    this.name = 'QueryTimeoutError';
  }
}

const keyOf = (deviceId: string, cmdType: string, sn: string) => `${deviceId}|${cmdType.toLowerCase()}|${sn}`;

export class QueryTracker {
  readonly #pending = new Map<string, Pending>();
  #sn = randomInt(100_000, 900_000);

  /** A fresh SN (6 digits, as wvp uses), unique among pending queries. */
  nextSn(): string {
    this.#sn = this.#sn >= 999_999 ? 100_000 : this.#sn + 1;
    return String(this.#sn);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Routes an answer; false when nobody asked (unsolicited, late or duplicated after completion). */
  deliver(deviceId: string, cmdType: string, sn: string, message: unknown): boolean {
    const pending = this.#pending.get(keyOf(deviceId, cmdType, sn));
    if (!pending) {
      return false;
    }
    pending.onMessage(message);
    return true;
  }

  /** One answer message. */
  single<T>(deviceId: string, cmdType: string, sn: string, timeoutMs: number): Promise<T> {
    const key = keyOf(deviceId, cmdType, sn);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(key);
        reject(new QueryTimeoutError(cmdType));
      }, timeoutMs);
      this.#pending.set(key, {
        onMessage: (m) => {
          clearTimeout(timer);
          this.#pending.delete(key);
          resolve(m as T);
        },
        fail: (err) => {
          clearTimeout(timer);
          this.#pending.delete(key);
          reject(err);
        },
      });
    });
  }

  /**
   * Pages of one answer. `pageOf` reads SumNum and items from a message; `itemKey` dedupes (the
   * first copy of an item wins). Deduplication and completion are MultiResponseCollector's:
   * complete at unique items ≥ SumNum; otherwise resolves partial after `quietMs` without a new
   * page (or `timeoutMs` overall); rejects only when no page came at all.
   */
  paged<M, T>(
    deviceId: string,
    cmdType: string,
    sn: string,
    opts: {
      pageOf(m: M): { sumNum: number; items: T[] };
      itemKey(item: T): string;
      timeoutMs: number;
      quietMs: number;
    },
  ): Promise<PageResult<T>> {
    const key = keyOf(deviceId, cmdType, sn);
    const collector = new MultiResponseCollector<T>((item) => opts.itemKey(item));
    collector.start(deviceId, sn);
    return new Promise<PageResult<T>>((resolve, reject) => {
      let quiet: NodeJS.Timeout | undefined;
      const stop = () => {
        clearTimeout(overall);
        clearTimeout(quiet);
        this.#pending.delete(key);
      };
      const finish = (result: CollectedResult<T> | undefined) => {
        stop();
        if (result === undefined || result.pages === 0) {
          reject(new QueryTimeoutError(cmdType));
        } else {
          resolve({ items: result.items, sumNum: result.sumNum, complete: !result.partial });
        }
      };
      const overall = setTimeout(() => finish(collector.finish(deviceId, sn)), opts.timeoutMs);
      this.#pending.set(key, {
        onMessage: (m) => {
          const page = opts.pageOf(m as M);
          const outcome = collector.addPage(deviceId, sn, page.sumNum, page.items);
          if (outcome.state === 'complete') {
            return finish(outcome.result);
          }
          clearTimeout(quiet);
          quiet = setTimeout(() => finish(collector.finish(deviceId, sn)), opts.quietMs);
        },
        fail: (err) => {
          stop();
          reject(err);
        },
      });
    });
  }

  /** Drops a pending query (its promise rejects with `reason`), e.g. when the request itself failed. */
  cancel(deviceId: string, cmdType: string, sn: string, reason: Error): void {
    this.#pending.get(keyOf(deviceId, cmdType, sn))?.fail(reason);
  }

  /** Drops every pending query of a device (it was forgotten). */
  cancelDevice(deviceId: string, reason: Error): void {
    for (const [key, p] of [...this.#pending]) {
      if (key.startsWith(`${deviceId}|`)) {
        p.fail(reason);
      }
    }
  }

  close(): void {
    for (const p of [...this.#pending.values()]) {
      p.fail(new Error('gateway shutting down'));
    }
    this.#pending.clear();
  }
}
