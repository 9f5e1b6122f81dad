// HLS viewers are pull clients: counted as distinct client addresses seen in the last 10 s.
// Their requests also keep the stream alive (Stream.touch()), done by the router in front.

export class HlsViewers {
  readonly #seen = new Map<string, Map<string, number>>();

  touch(streamId: string, client: string): void {
    let m = this.#seen.get(streamId);
    if (!m) {
      m = new Map<string, number>();
      this.#seen.set(streamId, m);
    }
    m.set(client, Date.now());
  }

  count(streamId: string): number {
    const m = this.#seen.get(streamId);
    if (!m) {
      return 0;
    }
    const cutoff = Date.now() - 10_000;
    for (const [k, t] of m) {
      if (t < cutoff) {
        m.delete(k);
      }
    }
    return m.size;
  }

  forget(streamId: string): void {
    this.#seen.delete(streamId);
  }
}
