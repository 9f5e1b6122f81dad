// Bounded-rate logging for things a remote party controls (junk at media ports, wrong SSRCs):
// one line per key per interval, carrying how many were suppressed in between.

export class LogThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs = 10_000,
    private readonly maxKeys = 32,
  ) {}

  /** Returns the number suppressed since the last allowed line, or -1 when this one is suppressed too. */
  allow(key: string, now = Date.now()): number {
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return -1;
    }
    if (!entry && this.last.size >= this.maxKeys) {
      return -1;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.last.set(key, { at: now, suppressed: 0 });
    return suppressed;
  }
}
