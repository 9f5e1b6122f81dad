import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayError } from '../../errors.js';
import { createLogger } from '../../log.js';
import type { WebhookRecord, WebhookStore } from '../../store/webhook-store.js';
import type { GatewayEvent } from '../../views/events.js';
import type { PostResult, WebhookPost } from './http-post.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';

class MemoryStore implements WebhookStore {
  readonly rows = new Map<string, WebhookRecord>();
  list() {
    return [...this.rows.values()];
  }
  put(r: WebhookRecord) {
    this.rows.set(r.webhookId, r);
  }
  delete(id: string) {
    return this.rows.delete(id);
  }
}

const alarmEvent = (n: number): GatewayEvent => ({
  id: `x-${n}`,
  type: 'alarm',
  time: '2025-04-22T03:00:00.000Z',
  data: {
    alarmId: String(n),
    deviceId: '34020000001180000001',
    channelId: '34020000001310000001',
    priority: 1,
    method: 5,
    type: 2,
    time: null,
    description: null,
    longitude: null,
    latitude: null,
    acknowledged: false,
    receivedAt: '2025-04-22T03:00:00.000Z',
    sn: String(n),
    acknowledgedAt: null,
  },
});

test('a receiver that never answers holds only its own queue: the other webhook gets every event at once', async () => {
  const delivered: string[] = [];
  const post: WebhookPost = (url, body) => {
    if (url.pathname === '/dead') {
      return new Promise<PostResult>(() => undefined); // never settles
    }
    delivered.push((JSON.parse(body) as GatewayEvent).id);
    return Promise.resolve({ status: 204 });
  };
  const d = new WebhookDispatcher({
    store: new MemoryStore(),
    post,
    userAgent: 't',
    log: createLogger('test'),
  });
  const dead = d.add({ url: 'http://127.0.0.1:1/dead', events: ['alarm'] });
  d.add({ url: 'http://127.0.0.1:1/alive', events: ['alarm'], secret: 'x'.repeat(16) });
  const started = performance.now();
  for (let i = 1; i <= 100; i++) {
    d.dispatch(alarmEvent(i));
  }
  const dispatchMs = performance.now() - started;
  await new Promise((r) => setImmediate(r));
  assert.equal(delivered.length, 100);
  assert.deepEqual(delivered.slice(0, 3), ['x-1', 'x-2', 'x-3'], 'in publish order');
  const views = Object.fromEntries(d.list().map((v) => [v.webhookId, v]));
  assert.equal(views[dead.webhookId].delivery.queued, 100, 'the dead receiver keeps its events queued');
  assert.ok(dispatchMs < 50, `dispatching 100 events took ${dispatchMs.toFixed(1)} ms`);
  d.close();
});

test('events are delivered only to webhooks that asked for their type', async () => {
  const seen: string[] = [];
  const post: WebhookPost = (url) => {
    seen.push(url.pathname);
    return Promise.resolve({ status: 200 });
  };
  const d = new WebhookDispatcher({
    store: new MemoryStore(),
    post,
    userAgent: 't',
    log: createLogger('test'),
  });
  d.add({ url: 'http://127.0.0.1:1/alarms', events: ['alarm'] });
  d.add({ url: 'http://127.0.0.1:1/devices', events: ['device'] });
  d.dispatch(alarmEvent(1));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, ['/alarms']);
  d.close();
});

test('webhooks are stored with their secret, listed without it, loaded again at start, and removable', () => {
  const store = new MemoryStore();
  const post: WebhookPost = () => Promise.resolve({ status: 200 });
  const d = new WebhookDispatcher({ store, post, userAgent: 't', log: createLogger('test') });
  const view = d.add({
    url: 'https://hooks.example.com/a',
    events: ['alarm', 'position'],
    secret: 's'.repeat(20),
  });
  assert.match(view.webhookId, /^wh_[0-9a-f]{16}$/);
  assert.equal(view.signed, true);
  assert.ok(!JSON.stringify(d.list()).includes('s'.repeat(20)), 'the secret is never listed');
  assert.equal(store.rows.get(view.webhookId)?.secret, 's'.repeat(20));
  const again = new WebhookDispatcher({ store, post, userAgent: 't', log: createLogger('test') });
  assert.deepEqual(
    again.list().map((v) => [v.webhookId, v.events, v.signed]),
    [[view.webhookId, ['alarm', 'position'], true]],
  );
  assert.equal(again.remove(view.webhookId), true);
  assert.equal(again.remove(view.webhookId), false);
  assert.equal(store.rows.size, 0);
  d.close();
  again.close();
});

test('a refused URL is GW_ERR_WEBHOOK_URL and nothing is stored', () => {
  const store = new MemoryStore();
  const d = new WebhookDispatcher({
    store,
    post: () => Promise.resolve({ status: 200 }),
    userAgent: 't',
    log: createLogger('test'),
  });
  assert.throws(
    () => d.add({ url: 'http://169.254.169.254/latest', events: ['alarm'] }),
    (e: unknown) => e instanceof GatewayError && e.code === 'GW_ERR_WEBHOOK_URL',
  );
  assert.equal(store.rows.size, 0);
});
