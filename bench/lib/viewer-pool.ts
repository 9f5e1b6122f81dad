// WHEP viewers spread over a few child processes (viewers-child.ts), so the receiving side
// does not fall behind the sender it measures: viewers are added round-robin, snapshots of
// their RTP counters are merged, and each child's CPU can be windowed.
import type { ViewerSnapshot } from '../children/viewers-child.js';
import { childModule } from './paths.js';
import { ChildRpc } from './rpc-parent.js';

export class ViewerPool {
  private constructor(readonly children: ChildRpc[]) {}

  static async start(name: string, whepUrl: string, processes: number): Promise<ViewerPool> {
    const children: ChildRpc[] = [];
    try {
      for (let i = 0; i < processes; i++) {
        children.push(
          await ChildRpc.start(childModule(import.meta.url, '../children/viewers-child.js'), {
            name: `${name}-viewers-${i + 1}`,
            args: [whepUrl],
          }),
        );
      }
    } catch (err) {
      await Promise.all(children.map((c) => c.stop()));
      throw err;
    }
    return new ViewerPool(children);
  }

  /** Connects `count` more viewers spread evenly; resolves with the failures. */
  async add(count: number): Promise<{ connected: number; failed: number }> {
    const k = this.children.length;
    const shares = this.children.map((_, i) => Math.floor(count / k) + (i < count % k ? 1 : 0));
    const results = await Promise.all(
      this.children.map((c, i) =>
        shares[i] > 0
          ? c.call<{ connected: number; failed: number }>('add', { count: shares[i] }, 180_000)
          : Promise.resolve({ connected: 0, failed: 0 }),
      ),
    );
    const connected = (await this.snapshot()).video.length;
    return { connected, failed: results.reduce((n, r) => n + r.failed, 0) };
  }

  /** Disconnects viewers until `target` remain, taking from the fullest process first. */
  async removeTo(target: number): Promise<number> {
    const sizes = await Promise.all(
      this.children.map(async (c) => (await c.call<ViewerSnapshot>('snapshot')).video.length),
    );
    let excess = sizes.reduce((a, b) => a + b, 0) - target;
    while (excess > 0) {
      const i = sizes.indexOf(Math.max(...sizes));
      const take = Math.min(excess, Math.max(1, sizes[i] - Math.floor(target / this.children.length)));
      await this.children[i].call('remove', { count: take }, 60_000);
      sizes[i] -= take;
      excess -= take;
    }
    return sizes.reduce((a, b) => a + b, 0);
  }

  async snapshot(): Promise<ViewerSnapshot> {
    const parts = await Promise.all(this.children.map((c) => c.call<ViewerSnapshot>('snapshot')));
    return { video: parts.flatMap((p) => p.video), audio: parts.flatMap((p) => p.audio) };
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => c.stop(30_000)));
  }
}
