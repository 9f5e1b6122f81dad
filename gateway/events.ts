// Typed events for the control plane (mediasoup's EnhancedEventEmitter idea): a listener
// that throws is logged and contained, so one faulty subscriber (metrics, store) cannot
// break signaling.
import { createLogger } from './log.js';

const log = createLogger('events');

type Listener<A extends unknown[]> = (...args: A) => void;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- storage type; typing is enforced by on()/safeEmit()
type AnyListener = (...args: any[]) => void;

export class TypedEmitter<E extends { [K in keyof E]: unknown[] }> {
  private readonly listeners = new Map<keyof E, Set<AnyListener>>();

  on<K extends keyof E>(event: K, listener: Listener<E[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as AnyListener);
    return () => set.delete(listener as AnyListener);
  }

  /** Calls every listener; an exception in one is logged and the others still run. */
  safeEmit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.listeners.get(event);
    if (!set) {
      return;
    }
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (err) {
        log.error({ err, event: String(event) }, 'event listener threw');
      }
    }
  }

  removeAll(): void {
    this.listeners.clear();
  }
}
