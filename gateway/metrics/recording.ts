// Cloud-recording metrics (docs/recording.md §6), registered into the gateway's prom-client
// registry: what is stored (bytes, files), what retention deleted and why, write errors by
// errno code, and how long a fragment takes from the write call to the disk's answer.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RecordingObserver } from '../views/recording.js';

const DELETE_REASONS = ['quota', 'days', 'free-space'] as const;
const WRITE_ERRORS = ['ENOSPC', 'EROFS', 'EIO', 'EDQUOT', 'EACCES'] as const;

export class RecordingMetrics implements RecordingObserver {
  readonly #written: Counter;
  readonly #deleted: Counter<'reason'>;
  readonly #errors: Counter<'code'>;
  readonly #latency: Histogram;

  constructor(registry: Registry, stored: () => { bytes: number; files: number }, prefix = 'gb_') {
    const registers = [registry];
    new Gauge({
      name: `${prefix}recording_stored_bytes`,
      help: 'Bytes of cloud recordings on disk (closed files and what open files have written)',
      registers,
      collect() {
        this.set(stored().bytes);
      },
    });
    new Gauge({
      name: `${prefix}recording_files`,
      help: 'Cloud recording files on disk, open ones included',
      registers,
      collect() {
        this.set(stored().files);
      },
    });
    this.#written = new Counter({
      name: `${prefix}recording_written_bytes_total`,
      help: 'Bytes of cloud recordings written to disk',
      registers,
    });
    this.#deleted = new Counter({
      name: `${prefix}recording_deletions_total`,
      help: 'Recording files deleted by retention, by reason (quota, days, free-space)',
      labelNames: ['reason'],
      registers,
    });
    this.#errors = new Counter({
      name: `${prefix}recording_write_errors_total`,
      help: 'Recording writes the disk refused, by errno code',
      labelNames: ['code'],
      registers,
    });
    this.#latency = new Histogram({
      name: `${prefix}recording_write_seconds`,
      help: 'Time from handing a fragment (one GOP) to the file to the write completing',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    for (const reason of DELETE_REASONS) {
      this.#deleted.inc({ reason }, 0);
    }
    for (const code of WRITE_ERRORS) {
      this.#errors.inc({ code }, 0);
    }
  }

  written(bytes: number, latencyMs: number): void {
    this.#written.inc(bytes);
    this.#latency.observe(latencyMs / 1000);
  }

  writeError(code: string): void {
    this.#errors.inc({ code: /^E[A-Z]{2,10}$/.test(code) ? code : 'EIO' });
  }

  deleted(reason: 'quota' | 'days' | 'free-space'): void {
    this.#deleted.inc({ reason });
  }
}
