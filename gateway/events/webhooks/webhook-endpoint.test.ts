import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../log.js';
import type { GatewayEvent } from '../../views/events.js';
import { advanceAsync, mockClock } from '../../../test/helpers/mock-clock.js';
import type { PostResult, WebhookPost } from './http-post.js';
import { verifySignature } from './signature.js';
import { backoffDelay, DEFAULT_RETRY, WebhookEndpoint, type RetryPolicy } from './webhook-endpoint.js';

const log = createLogger('test');
const SECRET = 'webhook-secret-0123456789';
const URL_ = new URL('http://127.0.0.1:9/hook');

const event = (n: number): GatewayEvent => ({
  id: `t-${n}`,
  type: 'device',
  time: '2025-04-22T03:00:00.000Z',
  data: { deviceId: '34020000001180000001', online: true, reason: 'registered' },
});

interface Call {
  body: string;
  headers: Record<string, string>;
}

/** A receiver answering from a script of statuses (the last one repeats). */
function scripted(statuses: number[]): { post: WebhookPost; calls: Call[] } {
  const calls: Call[] = [];
  const post: WebhookPost = (_url, body, headers) => {
    calls.push({ body, headers });
    const status = statuses[Math.min(calls.length - 1, statuses.length - 1)];
    return Promise.resolve<PostResult>({ status });
  };
  return { post, calls };
}

function endpoint(post: WebhookPost, policy: Partial<RetryPolicy> = {}, secret: string | null = SECRET) {
  const counts = { delivered: 0, failed: 0, dead: [] as string[] };
  const ep = new WebhookEndpoint('wh_0000000000000001', URL_, secret, {
    post,
    policy: { ...DEFAULT_RETRY, ...policy },
    log,
    userAgent: 'test',
    random: () => 0.5,
    hooks: {
      delivered: () => counts.delivered++,
      failed: () => counts.failed++,
      deadLetter: (reason) => counts.dead.push(reason),
    },
  });
  return { ep, counts };
}

test('backoff doubles from the base, is capped, and keeps half of each wait fixed (equal jitter)', () => {
  const p = { ...DEFAULT_RETRY, baseDelayMs: 1000, maxDelayMs: 8000 };
  assert.equal(
    backoffDelay(1, p, () => 0),
    500,
  );
  assert.equal(
    backoffDelay(1, p, () => 1),
    1000,
  );
  assert.equal(
    backoffDelay(3, p, () => 0),
    2000,
  );
  assert.equal(
    backoffDelay(3, p, () => 1),
    4000,
  );
  assert.equal(
    backoffDelay(10, p, () => 0.5),
    6000,
  );
  assert.equal(
    backoffDelay(60, p, () => 1),
    8000,
  );
});

test('a receiver that fails three deliveries gets the event on the fourth, signed, at growing intervals', async (t) => {
  const timers = mockClock(t);
  const { post, calls } = scripted([500, 502, 503, 200]);
  const { ep, counts } = endpoint(post);
  ep.enqueue(event(1));
  assert.equal(calls.length, 1, 'the first attempt goes out at once');
  await new Promise((r) => setImmediate(r)); // its failure settles before the clock moves
  // random() = 0.5: waits of 0.75 × 1 s, 2 s, 4 s after each failure.
  const at = await advanceAsync(timers, 6000, () => calls.length);
  assert.deepEqual(at, [750, 2250, 5250]);
  assert.equal(counts.delivered, 1);
  assert.equal(counts.failed, 3);
  assert.equal(ep.queued, 0);
  for (const c of calls) {
    assert.equal(c.body, calls[0].body, 'every attempt carries the same body');
    assert.ok(verifySignature(SECRET, c.body, c.headers['X-GB-Signature']));
    assert.equal(c.headers['X-GB-Delivery'], 't-1');
  }
  assert.deepEqual(JSON.parse(calls[3].body), event(1));
});

test('an event failing for longer than maxRetryMs is a dead letter and the next event goes out', async (t) => {
  const timers = mockClock(t);
  const { post, calls } = scripted([500]);
  const { ep, counts } = endpoint(post, { baseDelayMs: 1000, maxDelayMs: 4000, maxRetryMs: 10_000 });
  ep.enqueue(event(1));
  ep.enqueue(event(2));
  await advanceAsync(timers, 12_000);
  assert.deepEqual(counts.dead, ['retry-time']);
  assert.equal(ep.stats.deadLetters, 1);
  assert.ok(
    calls.some((c) => c.headers['X-GB-Delivery'] === 't-2'),
    'the second event was tried after the first died',
  );
  // Attempts of event 1: 0, 750, 2250, 5250, 8250 (cap 4000 × 0.75 = 3000); the next wait would pass 10 s.
  assert.equal(calls.filter((c) => c.headers['X-GB-Delivery'] === 't-1').length, 5);
});

test('a full queue turns new events into dead letters instead of growing', () => {
  const never: WebhookPost = () => new Promise<PostResult>(() => undefined);
  const { ep, counts } = endpoint(never, { maxQueue: 3 });
  for (let i = 1; i <= 5; i++) {
    ep.enqueue(event(i));
  }
  assert.equal(ep.queued, 3);
  assert.deepEqual(counts.dead, ['queue-full', 'queue-full']);
});

test('without a secret the delivery carries no signature header', () => {
  const { post, calls } = scripted([200]);
  const { ep } = endpoint(post, {}, null);
  ep.enqueue(event(1));
  assert.equal(calls[0].headers['X-GB-Signature'], undefined);
  assert.equal(ep.signed, false);
});

test('close() drops what is queued as dead letters and stops retrying', async (t) => {
  const timers = mockClock(t);
  const { post, calls } = scripted([500]);
  const { ep, counts } = endpoint(post);
  ep.enqueue(event(1));
  ep.enqueue(event(2));
  await advanceAsync(timers, 10);
  ep.close();
  await advanceAsync(timers, 5000);
  assert.equal(calls.length, 1);
  assert.deepEqual(counts.dead, ['removed', 'removed']);
});
