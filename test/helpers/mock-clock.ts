// Driving node:test's mock.timers when time is what a test checks (retransmission timers, pacing,
// jitter). `mock.timers.tick(n)` runs every timer due within n ms with the clock already at the
// end, so a timer's callback cannot tell when it was due; advancing one millisecond at a time
// makes each timer fire at its own instant, and lets a test see the instant something happened.
import type { TestContext } from 'node:test';

export type MockTimers = TestContext['mock']['timers'];

/** Mocks setTimeout, setInterval and Date for the rest of the test; the clock starts at `now`. */
export function mockClock(ctx: TestContext, now = 1_700_000_000_000): MockTimers {
  ctx.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now });
  return ctx.mock.timers;
}

/**
 * Advances the mocked clock by `ms`, one millisecond per step, and returns the instants (ms since
 * the call) at which `count()` grew, one entry per unit of growth.
 */
export function advance(timers: MockTimers, ms: number, count: () => number = () => 0): number[] {
  const at: number[] = [];
  let seen = count();
  for (let t = 1; t <= ms; t++) {
    timers.tick(1);
    for (const now = count(); seen < now; seen++) {
      at.push(t);
    }
  }
  return at;
}

/**
 * As advance(), with a turn of the event loop after every step (setImmediate, which mockClock
 * leaves real), so promise callbacks and socket I/O run in between: for timers that chain
 * through async code or the network. Mocked time then runs ahead of the wire by a step or two
 * per message, which is why exact instants are read with advance() instead.
 */
export async function advanceAsync(
  timers: MockTimers,
  ms: number,
  count: () => number = () => 0,
): Promise<number[]> {
  const at: number[] = [];
  let seen = count();
  for (let t = 1; t <= ms; t++) {
    timers.tick(1);
    await new Promise((resolve) => setImmediate(resolve));
    for (const now = count(); seen < now; seen++) {
      at.push(t);
    }
  }
  return at;
}
