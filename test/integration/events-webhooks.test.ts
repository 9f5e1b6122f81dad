// Webhooks end to end (issue #14 acceptance 3; docs/events.md §5): a device's alarm MESSAGE reaches
// real HTTP receivers. One fails its first three deliveries and gets the event on the fourth,
// with a valid X-GB-Signature; one accepts connections and never answers, which must not delay
// the gateway's SIP answers or the other receivers.
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { verifySignature } from '../../gateway/events/webhooks/signature.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { gb2312 } from '../helpers/manscdp-bodies.js';
import { SipPeer } from '../helpers/sip-peer.js';
import { waitFor } from '../helpers/wait.js';

const DEVICE = '34020000001180000041';
const CHANNEL = '34020000001310000041';
const SECRET = 'flaky-receiver-secret-42';

interface Delivery {
  body: string;
  signature: string | undefined;
  event: string | undefined;
  at: number;
}

/** An HTTP receiver answering from a script of statuses (then 200). */
async function receiver(statuses: number[] = []) {
  const deliveries: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: req.headers['x-gb-signature'] as string | undefined,
        event: req.headers['x-gb-event'] as string | undefined,
        at: performance.now(),
      });
      res.statusCode = statuses[deliveries.length - 1] ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    deliveries,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Accepts connections, reads the request, never answers. */
async function blackHole() {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('data', () => undefined);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    get connections() {
      return connections;
    },
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/never`,
    close: () => {
      for (const s of sockets) {
        s.destroy();
      }
      server.close();
    },
  };
}

const alarmBody = (sn: number) =>
  gb2312(
    `<?xml version="1.0" encoding="GB2312"?>\r\n<Notify>\r\n<CmdType>Alarm</CmdType>\r\n<SN>${sn}</SN>\r\n` +
      `<DeviceID>${CHANNEL}</DeviceID>\r\n<AlarmPriority>1</AlarmPriority>\r\n<AlarmMethod>5</AlarmMethod>\r\n` +
      `<AlarmTime>2025-04-22T11:26:02</AlarmTime>\r\n<Info>\r\n<AlarmType>2</AlarmType>\r\n</Info>\r\n</Notify>\r\n`,
  );

let h: Harness;
let peer: SipPeer;
let flaky: Awaited<ReturnType<typeof receiver>>;
let healthy: Awaited<ReturnType<typeof receiver>>;
let dead: Awaited<ReturnType<typeof blackHole>>;
const ids: Record<string, string> = {};

before(async () => {
  h = await startHarness({
    simulator: { devices: 0 },
    gateway: { 'webhook-retry-base': 0.05, 'webhook-timeout': 2 },
  });
  peer = await SipPeer.start({
    deviceId: DEVICE,
    password: h.gw.secrets.password,
    gatewayPort: h.gw.sipPort,
  });
  assert.equal((await peer.register()).final.status, 200);
  flaky = await receiver([500, 503, 500]);
  healthy = await receiver();
  dead = await blackHole();
});

after(async () => {
  flaky?.close();
  healthy?.close();
  dead?.close();
  await peer?.close();
  await h?.close();
});

async function addWebhook(name: string, url: string, secret?: string) {
  const res = await h.api<{ webhookId: string }>('/api/webhooks', {
    method: 'POST',
    body: JSON.stringify({ url, events: ['alarm'], ...(secret ? { secret } : {}) }),
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  ids[name] = res.body.webhookId;
}

test('a receiver that fails the first three deliveries gets the event on the fourth, with a valid signature', async () => {
  await addWebhook('flaky', flaky.url, SECRET);
  assert.equal((await peer.message(alarmBody(501))).status, 200);
  await waitFor(() => flaky.deliveries.length >= 4, 5000, 'the fourth delivery');
  const [first, , , fourth] = flaky.deliveries;
  const event = JSON.parse(fourth.body) as {
    id: string;
    type: string;
    data: { sn: string; channelId: string };
  };
  assert.deepEqual([event.type, event.data.sn, event.data.channelId], ['alarm', '501', CHANNEL]);
  assert.equal(fourth.event, 'alarm');
  assert.ok(verifySignature(SECRET, fourth.body, fourth.signature), fourth.signature);
  assert.ok(!verifySignature('another-secret-000000', fourth.body, fourth.signature));
  assert.equal(first.body, fourth.body, 'the retried body is the same bytes');
  const view = (
    await h.api<{ webhookId: string; delivery: { delivered: number; failed: number } }[]>('/api/webhooks')
  ).body.find((w) => w.webhookId === ids.flaky);
  assert.deepEqual(view?.delivery && [view.delivery.delivered, view.delivery.failed], [1, 3]);
  const metrics = await (await fetch(`${h.base}/metrics`)).text();
  assert.match(metrics, new RegExp(`gb_events_failed_total\\{sink="webhook",webhook="${ids.flaky}"\\} 3`));
  assert.match(metrics, new RegExp(`gb_events_delivered_total\\{sink="webhook",webhook="${ids.flaky}"\\} 1`));
});

test('a receiver that never answers delays neither the SIP answers nor the other receivers', async () => {
  await addWebhook('dead', dead.url);
  await addWebhook('healthy', healthy.url);
  const rtts: number[] = [];
  for (let sn = 600; sn < 650; sn++) {
    const t0 = performance.now();
    assert.equal((await peer.message(alarmBody(sn))).status, 200);
    rtts.push(performance.now() - t0);
  }
  const lastSent = performance.now();
  await waitFor(() => healthy.deliveries.length >= 50, 3000, 'the healthy receiver to get all 50 alarms');
  const lastDelivery = Math.max(...healthy.deliveries.map((d) => d.at));
  const worst = Math.max(...rtts);
  assert.ok(worst < 250, `slowest MESSAGE answered in ${worst.toFixed(1)} ms`);
  assert.ok(
    lastDelivery - lastSent < 1000,
    `healthy receiver done ${(lastDelivery - lastSent).toFixed(0)} ms after the last alarm`,
  );
  assert.deepEqual(
    healthy.deliveries.map((d) => (JSON.parse(d.body) as { data: { sn: string } }).data.sn),
    Array.from({ length: 50 }, (_, i) => String(600 + i)),
    'in order, none lost',
  );
  // One request in flight to the dead receiver; the rest wait in its own queue.
  assert.ok(dead.connections <= 1, `${dead.connections} connections to the dead receiver`);
  const view = (
    await h.api<{ webhookId: string; delivery: { queued: number } }[]>('/api/webhooks')
  ).body.find((w) => w.webhookId === ids.dead);
  assert.equal(view?.delivery.queued, 50);
  // After --webhook-timeout (2 s) the hanging request counts as a failure and is retried.
  await waitFor(
    async () =>
      (
        await h.api<{ webhookId: string; delivery: { failed: number; lastError: string | null } }[]>(
          '/api/webhooks',
        )
      ).body.find((w) => w.webhookId === ids.dead && w.delivery.failed >= 1),
    5000,
    'the timeout of the dead receiver',
  );
});
