// Retention of alarms and positions (docs/events.md §3): every `intervalMs`, rows older than
// their table's age limit and rows beyond its row limit are deleted, one batch per turn of the
// event loop (setImmediate in between), so a sweep of a million rows never holds the loop for
// more than one small DELETE and SIP keeps being answered meanwhile.
import type { Logger } from '../log.js';

export interface RetainedTable {
  name: string;
  maxAgeDays: number;
  maxRows: number;
  /** Deletes at most `batch` rows (store/events-db.ts deleteOldestBatch); returns how many. */
  sweepBatch(opts: { beforeMs: number; maxRows: number; batch: number }): number;
}

export interface RetentionOptions {
  tables: readonly RetainedTable[];
  /** Default 60 000 ms. */
  intervalMs?: number;
  /** Rows per DELETE. Default 1000. */
  batch?: number;
  now?: () => number;
  log: Logger;
}

const DAY_MS = 86_400_000;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class RetentionSweeper {
  readonly #o: RetentionOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #closed = false;
  /** Batches run so far (tests check the work was split). */
  batches = 0;

  constructor(opts: RetentionOptions) {
    this.#o = opts;
  }

  start(): void {
    this.#timer = setInterval(() => void this.sweep(), this.#o.intervalMs ?? 60_000);
    this.#timer.unref();
  }

  /** One full sweep of every table; concurrent calls share the running one. Resolves with rows deleted. */
  sweep(): Promise<number> {
    this.#running ??= this.#sweepAll().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  async #sweepAll(): Promise<number> {
    const now = (this.#o.now ?? Date.now)();
    const batch = this.#o.batch ?? 1000;
    let total = 0;
    for (const t of this.#o.tables) {
      const beforeMs = now - t.maxAgeDays * DAY_MS;
      let deleted = 0;
      for (;;) {
        if (this.#closed) {
          return total;
        }
        let n: number;
        try {
          n = t.sweepBatch({ beforeMs, maxRows: t.maxRows, batch });
        } catch (err) {
          this.#o.log.warn({ err, table: t.name }, 'retention sweep failed');
          break;
        }
        this.batches++;
        deleted += n;
        if (n === 0) {
          break;
        }
        await nextTurn();
      }
      if (deleted > 0) {
        this.#o.log.info({ table: t.name, deleted }, 'retention: old rows deleted');
      }
      total += deleted;
    }
    return total;
  }
}
