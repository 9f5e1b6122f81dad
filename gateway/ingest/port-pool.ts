// RTP receive ports from the configured range (--media-ports). Hands them out round-robin so a
// just-released port is not reused at once (late packets of the old stream would land in the
// new one), and skips ports another process holds: bind() tries the next port on EADDRINUSE.

export interface PortRange {
  min: number;
  max: number;
}

export interface PortPoolOptions {
  /** How long a port found bound by someone else is skipped. Default 60000. */
  quarantineMs?: number;
}

export class PortPool {
  readonly range: PortRange;
  private readonly used = new Set<number>();
  /** Port → time until which it is skipped (held by another process). */
  private readonly foreign = new Map<number, number>();
  private next: number;
  private readonly quarantineMs: number;

  constructor(range: PortRange, opts: PortPoolOptions = {}) {
    if (
      !Number.isInteger(range.min) ||
      !Number.isInteger(range.max) ||
      range.min < 1 ||
      range.max > 65535 ||
      range.min > range.max
    ) {
      throw new Error(`invalid port range ${range.min}-${range.max}`);
    }
    this.range = { min: range.min, max: range.max };
    this.next = range.min;
    this.quarantineMs = opts.quarantineMs ?? 60_000;
  }

  get capacity(): number {
    return this.range.max - this.range.min + 1;
  }

  get inUse(): number {
    return this.used.size;
  }

  /** The next free port, or undefined when the range is exhausted. Does not bind; see bind(). */
  allocate(): number | undefined {
    const now = Date.now();
    for (let i = 0; i < this.capacity; i++) {
      const port = this.next;
      this.next = port >= this.range.max ? this.range.min : port + 1;
      if (this.used.has(port)) {
        continue;
      }
      const until = this.foreign.get(port);
      if (until !== undefined) {
        if (until > now) {
          continue;
        }
        this.foreign.delete(port);
      }
      this.used.add(port);
      return port;
    }
    return undefined;
  }

  /** Idempotent. */
  release(port: number): void {
    this.used.delete(port);
  }

  /** Skip the port for `ms` (a device of an orphaned dialog may still send there). */
  quarantine(port: number, ms: number): void {
    if (port >= this.range.min && port <= this.range.max) {
      this.foreign.set(port, Date.now() + ms);
    }
  }

  /** The port turned out to be bound by another process: release it and skip it for a while. */
  markForeign(port: number): void {
    this.used.delete(port);
    this.foreign.set(port, Date.now() + this.quarantineMs);
  }

  /**
   * Allocates a port and runs `bindTo(port)` (a socket bind or listen). When the port is taken
   * (EADDRINUSE, EACCES) it is marked foreign and the next one is tried. Resolves undefined when
   * every port was tried; other bind errors reject after releasing the port.
   */
  async bind<T>(bindTo: (port: number) => Promise<T>): Promise<{ port: number; value: T } | undefined> {
    for (let attempt = 0; attempt < this.capacity; attempt++) {
      const port = this.allocate();
      if (port === undefined) {
        return undefined;
      }
      try {
        return { port, value: await bindTo(port) };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES') {
          this.markForeign(port);
          continue;
        }
        this.release(port);
        throw err;
      }
    }
    return undefined;
  }
}
