// Wire details docs/gb28181.md insists on, checked against the real gateway with a scripted lower
// platform: the REGISTER 200's GB Date and Expires (§1.4); answers matched by SN, never by
// Call-ID (§0); catalog pages out of order and duplicated merged (§3.2); a partial or unsolicited
// catalog never deletes channels (§3.2, wvp #1425) while a complete one for our query does.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { SipPeer } from '../helpers/sip-peer.js';
import { catalogPage, deviceInfoBody, type CatalogEntry } from '../helpers/manscdp-bodies.js';

const DEVICE = '34020000001180000201';
const ch = (n: number, name = `通道${n}`): CatalogEntry => ({ id: `3402000000131000000${n}`, name });
let h: Harness;
let p: SipPeer;
let registerOk: Awaited<ReturnType<SipPeer['register']>>['final'];

before(async () => {
  h = await startHarness({ simulator: { devices: 0 } });
  p = await SipPeer.start({ deviceId: DEVICE, password: h.gw.secrets.password, gatewayPort: h.gw.sipPort });
  registerOk = (await p.register({ expires: 3600 })).final;
  // Get the post-registration queries out of the way: an empty catalog, then DeviceInfo.
  const first = await p.nextQuery('Catalog');
  assert.equal((await p.message(catalogPage(DEVICE, first.sn, 0, []))).status, 200);
  const info = await p.nextQuery('DeviceInfo');
  assert.equal((await p.message(deviceInfoBody(DEVICE, info.sn, '线缆测试'))).status, 200);
});
after(async () => {
  await p?.close();
  await h?.close();
});

async function channels(): Promise<Record<string, string>> {
  const r = await h.api<{ channelId: string; name: string }[]>(`/api/devices/${DEVICE}/channels`);
  assert.equal(r.status, 200);
  return Object.fromEntries(r.body.map((c): [string, string] => [c.channelId, c.name]).sort());
}

const named = (...entries: CatalogEntry[]) =>
  Object.fromEntries(entries.map((e): [string, string] => [e.id, e.name]).sort());

function startSync() {
  return h.api<{ channelCount: number; complete: boolean }>(`/api/devices/${DEVICE}/catalog/sync`, {
    method: 'POST',
  });
}

/** Wall-clock fields of `ms` in `timeZone`, as YYYY-MM-DDTHH:MM:SS. */
function localTime(ms: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(ms)
      .map((x) => [x.type, x.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

test('the REGISTER 200 carries Date: YYYY-MM-DDTHH:MM:SS.mmm in the gateway time zone, and Expires', () => {
  assert.equal(registerOk.status, 200);
  const date = registerOk.headers.get('date') ?? '';
  assert.match(date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/, `Date: ${date}`);
  // Local time of the configured zone (Asia/Shanghai by default), not UTC and not RFC 1123.
  const asEpoch = (s: string) => Date.parse(`${s.slice(0, 19)}Z`);
  const skew = Math.abs(asEpoch(date) - asEpoch(localTime(Date.now(), h.gw.config.timezone)));
  assert.ok(skew < 5000, `Date ${date} is ${skew} ms away from local time in ${h.gw.config.timezone}`);
  assert.equal(registerOk.headers.get('expires'), '3600');
});

test('catalog pages are matched by SN, not Call-ID: a wrong SN on the query Call-ID is ignored, right SNs on new Call-IDs complete it', async () => {
  const sync = startSync();
  const q = await p.nextQuery('Catalog');
  const wrongSn = String(Number(q.sn) + 1);
  // Same Call-ID as our query, wrong SN: were it matched by Call-ID, it would complete the query.
  assert.equal(
    (await p.message(catalogPage(DEVICE, wrongSn, 2, [ch(8, '冒名8'), ch(9, '冒名9')]), { callId: q.callId }))
      .status,
    200,
  );
  assert.equal((await p.message(catalogPage(DEVICE, q.sn, 2, [ch(1)]))).status, 200);
  assert.equal((await p.message(catalogPage(DEVICE, q.sn, 2, [ch(2)]))).status, 200);
  const result = await sync;
  assert.deepEqual(result.body, { channelCount: 2, complete: true });
  // Complete for our SN: the set is exactly our query's answer.
  assert.deepEqual(await channels(), named(ch(1), ch(2)));
});

test('pages out of order and duplicated (new Call-ID or SIP retransmission) are merged and complete at SumNum unique items', async () => {
  const sync = startSync();
  const q = await p.nextQuery('Catalog');
  const t0 = Date.now();
  for (const page of [[ch(3)], [ch(1)], [ch(3)], [ch(1)]]) {
    assert.equal((await p.message(catalogPage(DEVICE, q.sn, 4, page))).status, 200);
  }
  // The same MESSAGE again (same Call-ID and CSeq, new branch), as a lost 200 makes a device do.
  const req = p.ua.createRequest({
    method: 'MESSAGE',
    requestUri: 'sip:34020000002000000001@3402000000',
    to: 'sip:34020000002000000001@3402000000',
    contact: false,
    body: catalogPage(DEVICE, q.sn, 4, [ch(4)]),
    contentType: 'Application/MANSCDP+xml',
  });
  assert.equal((await p.ua.request(req, p.gateway)).status, 200);
  const duplicates = h.gw.upper.stats.inbox.duplicates;
  assert.equal(
    (await p.ua.request(p.ua.createFollowUp(req, [['CSeq', req.headers.get('cseq')!]]), p.gateway)).status,
    200,
  );
  assert.equal(
    h.gw.upper.stats.inbox.duplicates,
    duplicates + 1,
    'the retransmission was recognised by Call-ID + CSeq',
  );
  assert.equal((await p.message(catalogPage(DEVICE, q.sn, 4, [ch(2), ch(4)]))).status, 200);
  const result = await sync;
  assert.deepEqual(result.body, { channelCount: 4, complete: true });
  assert.ok(Date.now() - t0 < 4000, 'completed on the last unique item, not by the quiet timeout');
  assert.deepEqual(await channels(), named(ch(1), ch(2), ch(3), ch(4)));
});

test('a partial catalog (fewer than SumNum items before the quiet timeout) updates and adds but deletes nothing', async () => {
  const sync = startSync();
  const q = await p.nextQuery('Catalog');
  assert.equal((await p.message(catalogPage(DEVICE, q.sn, 4, [ch(1, '改名1'), ch(5)]))).status, 200);
  const result = await sync;
  assert.deepEqual(result.body, { channelCount: 5, complete: false });
  assert.deepEqual(await channels(), named(ch(1, '改名1'), ch(2), ch(3), ch(4), ch(5)));
});

test('an unsolicited catalog response (SN we never issued, SumNum 1) deletes nothing', async () => {
  assert.equal((await p.message(catalogPage(DEVICE, '424242', 1, [ch(6)]))).status, 200);
  assert.equal((await p.message(catalogPage(DEVICE, '424243', 1, [ch(2, '改名2')]))).status, 200);
  assert.deepEqual(await channels(), named(ch(1, '改名1'), ch(2, '改名2'), ch(3), ch(4), ch(5), ch(6)));
});

test('control: a complete answer to our own query does replace the set', async () => {
  const sync = startSync();
  const q = await p.nextQuery('Catalog');
  assert.equal((await p.message(catalogPage(DEVICE, q.sn, 1, [ch(7)]))).status, 200);
  assert.deepEqual((await sync).body, { channelCount: 1, complete: true });
  assert.deepEqual(await channels(), named(ch(7)));
});
