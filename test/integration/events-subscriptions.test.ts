// Subscriptions from the gateway to a device over the wire (issue #14 acceptance 2; docs/events.md
// §6): a scripted device (SipPeer, our SIP stack as a transport only) accepts SUBSCRIBEs and
// NOTIFYs in their dialogs. Auto-subscribe on registration with a per-device override; a device
// restart (REGISTER under a new Call-ID) re-subscribed within 5 s; refresh inside the dialog before
// the grant ends; a catalog NOTIFY applied exactly like a catalog notification; a terminated
// NOTIFY followed by a new SUBSCRIBE; guard and alarm reset answered by the device's Response.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  createInDialogRequest,
  dialogAsUas,
  type Dialog,
  type ServerTransaction,
  type SipRequest,
} from '../../gateway/sip/index.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { catalogPage, gb2312 } from '../helpers/manscdp-bodies.js';
import { openSse, type SseClient } from '../helpers/sse-client.js';
import { SipPeer } from '../helpers/sip-peer.js';
import { waitFor } from '../helpers/wait.js';

const DEVICE = '34020000001180000031';
const CH1 = '34020000001310000031';
const CH2 = '34020000001310000032';

interface Received {
  req: SipRequest;
  at: number;
  dialog?: Dialog;
  kind: string;
}

/** A device that grants every SUBSCRIBE `grant` seconds and remembers the dialogs. */
class SubscribingDevice {
  readonly subscribes: Received[] = [];
  grant = 3600;
  controlResult: 'OK' | 'ERROR' = 'OK';
  readonly controls: string[] = [];
  constructor(readonly peer: SipPeer) {
    peer.onRequest = (req, tx) => this.#handle(req, tx);
  }

  #handle(req: SipRequest, tx: ServerTransaction): boolean {
    const body = Buffer.from(req.body).toString('latin1');
    if (req.method === 'MESSAGE' && /<CmdType>DeviceControl<\/CmdType>/.test(body)) {
      tx.respond(200);
      const sn = /<SN>(\d+)<\/SN>/.exec(body)![1];
      const target = /<DeviceID>(\d+)<\/DeviceID>/.exec(body)![1];
      this.controls.push(/<(GuardCmd|AlarmCmd)>([^<]*)</.exec(body)?.slice(1).join(' ') ?? '?');
      void this.peer.message(
        gb2312(
          `<?xml version="1.0" encoding="GB2312"?>\r\n<Response>\r\n<CmdType>DeviceControl</CmdType>\r\n` +
            `<SN>${sn}</SN>\r\n<DeviceID>${target}</DeviceID>\r\n<Result>${this.controlResult}</Result>\r\n</Response>\r\n`,
        ),
      );
      return true;
    }
    if (req.method !== 'SUBSCRIBE') {
      return false;
    }
    const expires = Number(req.headers.get('expires'));
    const inDialog = /;tag=/.test(req.headers.get('to') ?? '');
    const res = tx.respond(200, 'OK', {
      headers: [
        ['Expires', String(expires === 0 ? 0 : Math.min(expires, this.grant))],
        ['Contact', `<sip:${DEVICE}@127.0.0.1:${this.peer.transport.port}>`],
      ],
    });
    const kind = /<CmdType>(\w+)<\/CmdType>/.exec(body)?.[1] ?? '?';
    const entry: Received = { req, at: performance.now(), kind };
    if (!inDialog && res) {
      const dialog = dialogAsUas(req, res, tx.remote);
      if (dialog) {
        entry.dialog = dialog;
      }
    }
    this.subscribes.push(entry);
    return true;
  }

  /** A NOTIFY inside the dialog of `sub` with `body` (or none) and the Subscription-State given. */
  notify(sub: Received, body: Buffer | undefined, state = 'active;expires=3000') {
    const req = createInDialogRequest(sub.dialog!, 'NOTIFY', {
      headers: [
        ['Event', sub.req.headers.get('event') ?? 'presence'],
        ['Subscription-State', state],
      ],
      ...(body ? { body, contentType: 'Application/MANSCDP+xml' } : {}),
    });
    return this.peer.ua.request(req, this.peer.gateway);
  }

  async next(match: (r: Received) => boolean, timeoutMs = 5000): Promise<Received> {
    return waitFor(() => this.subscribes.find(match), timeoutMs, 'a SUBSCRIBE');
  }
}

let h: Harness;
let peer: SipPeer;
let device: SubscribingDevice;
let sse: SseClient;

/** Answers the catalog query the gateway sends after a registration: two channels. */
async function answerCatalog(): Promise<void> {
  const q = await peer.nextQuery('Catalog');
  await peer.message(
    catalogPage(DEVICE, q.sn, 2, [
      { id: CH1, name: '东门' },
      { id: CH2, name: '西门' },
    ]),
  );
}

const callIdOf = (r: Received) => r.req.headers.get('call-id');

before(async () => {
  h = await startHarness({
    simulator: { devices: 0 },
    gateway: { 'subscribe-on-register': 'alarm,catalog' },
  });
  peer = await SipPeer.start({
    deviceId: DEVICE,
    password: h.gw.secrets.password,
    gatewayPort: h.gw.sipPort,
  });
  device = new SubscribingDevice(peer);
  sse = await openSse(`${h.base}/api/events?types=channel,device`, { Authorization: `Bearer ${h.token}` });
});

after(async () => {
  sse?.close();
  await peer?.close();
  await h?.close();
});

test('on registration the device is subscribed to what --subscribe-on-register names', async () => {
  const reg = await peer.register();
  assert.equal(reg.final.status, 200);
  await answerCatalog();
  const alarm = await device.next((r) => r.kind === 'Alarm');
  const catalog = await device.next((r) => r.kind === 'Catalog');
  assert.equal(alarm.req.headers.get('event'), 'presence');
  assert.match(catalog.req.headers.get('event') ?? '', /^Catalog;id=\d+$/);
  const list = await h.api<{ event: string; state: string; auto: boolean }[]>(
    `/api/devices/${DEVICE}/subscriptions`,
  );
  assert.deepEqual(list.body.map((s) => [s.event, s.state, s.auto]).sort(), [
    ['alarm', 'active', true],
    ['catalog', 'active', true],
  ]);
});

test('a catalog NOTIFY in the subscription is answered 200 and applied like a catalog notification', async () => {
  const catalog = await device.next((r) => r.kind === 'Catalog' && r.dialog !== undefined);
  await waitFor(
    async () => (await h.api<unknown[]>(`/api/devices/${DEVICE}/channels`)).body.length === 2,
    5000,
    'channels',
  );
  const from = sse.events.length;
  const res = await device.notify(
    catalog,
    gb2312(
      `<?xml version="1.0" encoding="GB2312"?>\r\n<Notify>\r\n<CmdType>Catalog</CmdType>\r\n<SN>77</SN>\r\n` +
        `<DeviceID>${DEVICE}</DeviceID>\r\n<SumNum>2</SumNum>\r\n<DeviceList Num="2">\r\n` +
        `<Item>\r\n<DeviceID>${CH1}</DeviceID>\r\n<Event>VLOST</Event>\r\n</Item>\r\n` +
        `<Item>\r\n<DeviceID>${CH2}</DeviceID>\r\n<Event>DEL</Event>\r\n</Item>\r\n` +
        `</DeviceList>\r\n</Notify>\r\n`,
    ),
  );
  assert.equal(res.status, 200);
  const channels = await h.api<{ channelId: string; status: string }[]>(`/api/devices/${DEVICE}/channels`);
  assert.deepEqual(
    channels.body.map((c) => [c.channelId, c.status]),
    [[CH1, 'OFF']],
  );
  const vlost = await sse.next(
    (e) => e.event === 'channel' && (e.data as { event: string }).event === 'VLOST',
    2000,
    from,
  );
  assert.deepEqual(vlost.data, { deviceId: DEVICE, channelId: CH1, status: 'OFF', event: 'VLOST' });
  const subs = await h.api<{ event: string; notifications: number }[]>(
    `/api/devices/${DEVICE}/subscriptions`,
  );
  assert.equal(subs.body.find((s) => s.event === 'catalog')?.notifications, 1);
});

test('a device restart (REGISTER under a new Call-ID) is followed by new SUBSCRIBEs within 5 s', async (t) => {
  const before = device.subscribes.length;
  const oldCallIds = new Set(device.subscribes.map(callIdOf));
  const reg = await peer.register(); // SipPeer writes a fresh Call-ID: a rebooted device
  assert.equal(reg.final.status, 200);
  const registeredAt = performance.now();
  const again = await device.next((r) => device.subscribes.indexOf(r) >= before && r.kind === 'Alarm', 5000);
  const delay = again.at - registeredAt;
  assert.ok(delay < 5000, `re-subscribed ${delay.toFixed(0)} ms after the REGISTER 200`);
  t.diagnostic(`re-subscribed ${delay.toFixed(0)} ms after the restarted device's REGISTER 200`);
  assert.ok(!oldCallIds.has(callIdOf(again)), 'a new dialog, not a refresh of the dead one');
  assert.doesNotMatch(again.req.headers.get('to') ?? '', /;tag=/);
  await device.next((r) => device.subscribes.indexOf(r) >= before && r.kind === 'Catalog', 5000);
});

test('a short grant is refreshed inside the dialog before it runs out', async () => {
  device.grant = 3;
  const res = await h.api<{ subscriptionId: string; expiresAt: string }>(
    `/api/devices/${DEVICE}/subscriptions`,
    {
      method: 'POST',
      body: JSON.stringify({ event: 'mobile-position', expires: 60, interval: 2 }),
    },
  );
  assert.equal(res.status, 201);
  const first = await device.next((r) => r.kind === 'MobilePosition' && r.dialog !== undefined);
  const grantedUntil = first.at + 3000;
  const refresh = await device.next(
    (r) => r.kind === 'MobilePosition' && r !== first && callIdOf(r) === callIdOf(first),
    4000,
  );
  assert.ok(
    refresh.at < grantedUntil,
    `refreshed ${(grantedUntil - refresh.at).toFixed(0)} ms before the grant ended`,
  );
  assert.match(refresh.req.headers.get('to') ?? '', /;tag=/);
  const cseq = (r: Received) => Number((r.req.headers.get('cseq') ?? '').split(' ')[0]);
  assert.equal(cseq(refresh), cseq(first) + 1);
  device.grant = 3600;
});

test('a NOTIFY saying the device ended the subscription (terminated;reason=timeout) brings a new SUBSCRIBE', async () => {
  const alarm = [...device.subscribes].reverse().find((r) => r.kind === 'Alarm' && r.dialog)!;
  const before = device.subscribes.length;
  const res = await device.notify(alarm, undefined, 'terminated;reason=timeout');
  assert.equal(res.status, 200);
  const again = await device.next((r) => device.subscribes.indexOf(r) >= before && r.kind === 'Alarm');
  assert.notEqual(callIdOf(again), callIdOf(alarm));
});

test("a device's own auto-subscribe list replaces the global one at once", async () => {
  const before = device.subscribes.length;
  const put = await h.api<{ events: string[]; effective: string[] }>(
    `/api/devices/${DEVICE}/subscription-defaults`,
    {
      method: 'PUT',
      body: JSON.stringify({ events: ['alarm'] }),
    },
  );
  assert.equal(put.status, 200);
  assert.deepEqual(put.body.effective, ['alarm']);
  // The auto catalog subscription is ended with Expires: 0.
  const ended = await device.next(
    (r) =>
      device.subscribes.indexOf(r) >= before && r.kind === 'Catalog' && r.req.headers.get('expires') === '0',
  );
  assert.match(ended.req.headers.get('to') ?? '', /;tag=/);
  const list = await h.api<{ event: string }[]>(`/api/devices/${DEVICE}/subscriptions`);
  assert.deepEqual(list.body.map((s) => s.event).sort(), ['alarm', 'mobile-position']);
  const back = await h.api<{ events: null; effective: string[] }>(
    `/api/devices/${DEVICE}/subscription-defaults`,
    {
      method: 'PUT',
      body: JSON.stringify({ events: null }),
    },
  );
  assert.deepEqual([back.body.events, back.body.effective], [null, ['alarm', 'catalog']]);
});

test('guard and alarm reset go to the device and return its Result', async () => {
  const armed = await h.api<{ ok: boolean; result: string | null }>(`/api/devices/${DEVICE}/guard`, {
    method: 'POST',
    body: JSON.stringify({ armed: true }),
  });
  assert.deepEqual(armed.body, { ok: true, result: 'OK' });
  const reset = await h.api(`/api/devices/${DEVICE}/channels/${CH1}/alarm-reset`, {
    method: 'POST',
    body: JSON.stringify({ method: 5, type: 2 }),
  });
  assert.equal(reset.status, 200);
  device.controlResult = 'ERROR';
  const refused = await h.api<{ error: { code: string } }>(`/api/devices/${DEVICE}/guard`, {
    method: 'POST',
    body: JSON.stringify({ armed: false }),
  });
  assert.equal(refused.status, 502);
  assert.equal(refused.body.error.code, 'GW_ERR_DEVICE_REJECTED');
  assert.deepEqual(device.controls, ['GuardCmd SetGuard', 'AlarmCmd ResetAlarm', 'GuardCmd ResetGuard']);
  const bad = await h.api(`/api/devices/${DEVICE}/guard`, {
    method: 'POST',
    body: JSON.stringify({ armed: 'yes' }),
  });
  assert.equal(bad.status, 400);
  const unknown = await h.api(`/api/devices/34020000001180000099/subscriptions`);
  assert.equal(unknown.status, 404);
});

test('an unsolicited MobilePosition MESSAGE is stored and becomes the latest position', async () => {
  const res = await peer.message(
    gb2312(
      `<?xml version="1.0" encoding="GB2312"?>\r\n<Notify>\r\n<CmdType>MobilePosition</CmdType>\r\n<SN>12</SN>\r\n` +
        `<DeviceID>${CH1}</DeviceID>\r\n<Time>2025-04-22T11:40:00</Time>\r\n<Longitude>117.3</Longitude>\r\n` +
        `<Latitude>31.9</Latitude>\r\n</Notify>\r\n`,
    ),
  );
  assert.equal(res.status, 200);
  const latest =
    await h.api<{ channelId: string; longitude: number; speed: number | null; time: string }[]>(
      '/api/positions',
    );
  assert.deepEqual(
    latest.body.filter((p) => p.channelId === CH1).map((p) => [p.longitude, p.speed, p.time]),
    [[117.3, null, '2025-04-22T03:40:00.000Z']],
  );
});
