// Waiting in tests. A test that waits on real I/O (a datagram, a child process, an HTTP answer)
// polls for the outcome with a deadline instead of sleeping a fixed time: it goes on as soon as
// the outcome is there, and a missing outcome fails with what was awaited. Where time itself is
// the subject (retransmission timers, pacing, expiry), tests use mock.timers or an injected clock.
//
// The poll runs on the real clock even while a test has mock.timers enabled: the timer and the
// deadline clock are taken here, at load, before any test can replace the globals.
const realSetTimeout = globalThis.setTimeout;
const monotonicMs = (): number => performance.now();

/** The first poll comes after 5 ms; the gap doubles up to this, so slow outcomes cost few polls. */
const MAX_POLL_GAP_MS = 50;

/** Resolves after `ms` of real time. For pacing a sender or waiting out a fixed protocol delay only. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, ms));
}

/**
 * Polls `check` until it returns a truthy value, which it resolves with; rejects after
 * `timeoutMs` with `what` in the message. `check` may be async (an HTTP call); a throw from it
 * ends the wait at once.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<T> {
  const deadline = monotonicMs() + timeoutMs;
  for (let gap = 5; ; gap = Math.min(gap * 2, MAX_POLL_GAP_MS)) {
    const value = await check();
    if (value) {
      return value;
    }
    if (monotonicMs() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(gap);
  }
}
