// The single id → Stream map. Built by the composition root and passed to whoever needs it
// (API, session layer), never a module global. A stream leaves the map when it closes.
import type { Stream } from './stream.js';

export class StreamRegistry {
  private readonly streams = new Map<string, Stream>();

  get(id: string): Stream | undefined {
    return this.streams.get(id);
  }

  /**
   * Returns the open stream with this id, or registers the one `factory` builds. Concurrent
   * plays of one channel thus share one stream (one INVITE).
   */
  getOrCreate(id: string, factory: () => Stream): Stream {
    const existing = this.streams.get(id);
    if (existing && !existing.closed) {
      return existing;
    }
    const stream = factory();
    if (stream.id !== id) {
      throw new Error(`factory built stream ${stream.id} for id ${id}`);
    }
    this.streams.set(id, stream);
    stream.onClose(() => {
      // A later stream may already have taken the id; only remove this one.
      if (this.streams.get(id) === stream) {
        this.streams.delete(id);
      }
    });
    return stream;
  }

  list(): Stream[] {
    return [...this.streams.values()];
  }

  get size(): number {
    return this.streams.size;
  }

  /** Shutdown: closes every stream (each sends its BYE through its source). */
  closeAll(cause: string): void {
    for (const stream of this.list()) {
      stream.close(cause);
    }
  }
}
