// One subscription's life on a mocked clock (docs/events.md §6): the SUBSCRIBE it sends, the
// refresh inside the dialog before the grant ends, a new SUBSCRIBE after 481 or a restart,
// back-off after timeouts, giving up after a refusal, Expires: 0 at the end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../../log.js';
import {
  buildResponse,
  SipUserAgent,
  type SipRequest,
  type SipResponse,
  type SipTransport,
} from '../../../sip/index.js';
import type { SubscriptionRecord } from '../../../store/subscription-store.js';
import { advanceAsync, mockClock } from '../../../../test/helpers/mock-clock.js';
import type { DeviceSession } from '../device-sessions.js';
import { refreshDelayMs, Subscription } from './subscription.js';

const DEVICE = '34020000001180000001';

/** A user agent whose request() is answered by `answer` instead of the network. */
function fakeUa(answer: (req: SipRequest) => SipResponse | Promise<SipResponse>) {
  const transport = {
    port: 5060,
    onMessage: () => () => undefined,
    onConnectionClose: () => () => undefined,
    send: () => undefined,
  } as unknown as SipTransport;
  const ua = new SipUserAgent({
    transport,
    localId: '34020000002000000001',
    domain: '3402000000',
    publicHost: '10.0.0.1',
  });
  const sent: SipRequest[] = [];
  ua.request = (req) => {
    sent.push(req);
    return Promise.resolve(answer(req));
  };
  return { ua, sent };
}

/** The device's 200: its To tag, Contact and the Expires it grants. */
function ok(req: SipRequest, grant: number): SipResponse {
  return buildResponse(req, 200, 'OK', {
    toTag: 'dev1',
    headers: [
      ['Contact', `<sip:${DEVICE}@192.168.1.64:5060>`],
      ['Expires', String(grant)],
    ],
  });
}

function setup(answer: (req: SipRequest, n: number) => SipResponse, opts: { callId?: string } = {}) {
  let n = 0;
  const { ua, sent } = fakeUa((req) => answer(req, n++));
  const session = {
    deviceId: DEVICE,
    remote: { transport: 'udp', address: '203.0.113.7', port: 40211 },
    callId: opts.callId ?? 'reg-1',
    online: true,
    charset: 'GB2312',
  } as unknown as DeviceSession;
  const state = { online: true as boolean, persisted: 0, failures: [] as number[] };
  const record: SubscriptionRecord = {
    subscriptionId: 'sub_1',
    deviceId: DEVICE,
    event: 'alarm',
    expiresSec: 3600,
    intervalSec: null,
    auto: false,
    createdAt: '2025-04-22T03:00:00.000Z',
    dialog: null,
  };
  const sub = new Subscription(record, {
    ua,
    online: () => (state.online ? session : undefined),
    persist: () => state.persisted++,
    nextSn: () => '1',
    expectCallId: () => undefined,
    onActive: () => undefined,
    onFailed: (_s, status) => state.failures.push(status),
    log: createLogger('test'),
    now: () => Date.now(),
    retryBaseMs: 1000,
    retryMaxMs: 8000,
  });
  return { sub, sent, state, session };
}

const header = (req: SipRequest, name: string) => req.headers.get(name) ?? '';
const cseq = (req: SipRequest) => Number(header(req, 'cseq').split(' ')[0]);

test('refresh comes a minute before a long grant ends, half-way through a short one', () => {
  assert.equal(refreshDelayMs(3600), 3_540_000);
  assert.equal(refreshDelayMs(600), 540_000);
  assert.equal(refreshDelayMs(120), 60_000);
  assert.equal(refreshDelayMs(10), 5_000);
});

test('an alarm SUBSCRIBE: Event presence, Expires, the Alarm query, to the device where it was seen', async () => {
  const { sub, sent } = setup((req) => ok(req, 3600));
  await sub.establish();
  const req = sent[0];
  assert.equal(req.method, 'SUBSCRIBE');
  assert.equal(req.uri, `sip:${DEVICE}@203.0.113.7:40211`);
  assert.equal(header(req, 'event'), 'presence');
  assert.equal(header(req, 'expires'), '3600');
  assert.match(header(req, 'content-type'), /MANSCDP\+xml/i);
  const body = Buffer.from(req.body).toString('latin1');
  assert.match(
    body,
    /<Query>\r\n<CmdType>Alarm<\/CmdType>\r\n<SN>1<\/SN>\r\n<DeviceID>34020000001180000001<\/DeviceID>/,
  );
  assert.match(
    body,
    /<StartAlarmPriority>1<\/StartAlarmPriority>\r\n<EndAlarmPriority>4<\/EndAlarmPriority>/,
  );
  assert.equal(sub.state, 'active');
});

test('the device grants 120 s: the refresh goes inside the dialog at 60 s, not before', async (t) => {
  const timers = mockClock(t);
  const { sub, sent } = setup((req) => ok(req, 120));
  await sub.establish();
  assert.equal(sub.view().expiresAt, new Date(Date.now() + 120_000).toISOString());
  const at = await advanceAsync(timers, 60_000, () => sent.length);
  assert.deepEqual(at, [60_000]);
  const [first, refresh] = sent;
  assert.equal(header(refresh, 'call-id'), header(first, 'call-id'));
  assert.match(header(refresh, 'to'), /;tag=dev1/);
  assert.equal(header(refresh, 'from'), header(first, 'from'));
  assert.equal(cseq(refresh), cseq(first) + 1);
  assert.equal(
    refresh.uri,
    `sip:${DEVICE}@203.0.113.7:40211`,
    "the 200's Contact at the address it was seen at",
  );
});

test('a refresh answered 481 is followed at once by a new SUBSCRIBE with a new Call-ID', async (t) => {
  const timers = mockClock(t);
  const { sub, sent } = setup((req, n) =>
    n === 1 ? buildResponse(req, 481, 'Call/Transaction Does Not Exist') : ok(req, 120),
  );
  await sub.establish();
  await advanceAsync(timers, 60_000);
  assert.equal(sent.length, 3);
  assert.notEqual(header(sent[2], 'call-id'), header(sent[0], 'call-id'));
  assert.doesNotMatch(header(sent[2], 'to'), /tag=/);
  assert.equal(sub.state, 'active');
});

test('timeouts are retried after 1 s, 2 s, 4 s; a refusal (489) stops the retries', async (t) => {
  const timers = mockClock(t);
  const { sub, sent, state } = setup((req, n) =>
    n < 3 ? buildResponse(req, 408, 'Request Timeout') : buildResponse(req, 489, 'Bad Event'),
  );
  await sub.establish();
  assert.equal(sub.state, 'retrying');
  const at = await advanceAsync(timers, 20_000, () => sent.length);
  assert.deepEqual(at, [1000, 3000, 7000]);
  assert.equal(sub.state, 'failed');
  assert.equal(sub.lastError, '489 Bad Event');
  assert.deepEqual(state.failures, [408, 408, 408, 489]);
});

test('a device that restarted (new REGISTER Call-ID) gets a new SUBSCRIBE, not a refresh of the dead dialog', async () => {
  const { sub, sent, session } = setup((req) => ok(req, 3600));
  await sub.establish();
  (session as { callId: string }).callId = 'reg-2';
  await sub.establish();
  assert.equal(sent.length, 2);
  assert.notEqual(header(sent[1], 'call-id'), header(sent[0], 'call-id'));
  assert.doesNotMatch(header(sent[1], 'to'), /tag=/);
});

test('the same registration gets its dialog refreshed when the device comes back', async () => {
  const { sub, sent } = setup((req) => ok(req, 3600));
  await sub.establish();
  sub.suspend();
  await sub.establish();
  assert.equal(header(sent[1], 'call-id'), header(sent[0], 'call-id'));
  assert.match(header(sent[1], 'to'), /tag=dev1/);
});

test('end() sends Expires: 0 inside the dialog, once', async () => {
  const { sub, sent } = setup((req) => ok(req, 3600));
  await sub.establish();
  assert.equal(await sub.end(), 200);
  assert.equal(await sub.end(), undefined);
  assert.equal(sent.length, 2);
  const bye = sent[1];
  assert.equal(header(bye, 'expires'), '0');
  assert.equal(header(bye, 'call-id'), header(sent[0], 'call-id'));
  assert.match(header(bye, 'to'), /;tag=dev1/);
});

test('nothing is sent to an offline device; a terminated NOTIFY makes a new subscription', async () => {
  const { sub, sent, state } = setup((req) => ok(req, 3600));
  state.online = false;
  await sub.establish();
  assert.equal(sent.length, 0);
  assert.equal(sub.state, 'pending');
  state.online = true;
  await sub.establish();
  const notify = {
    headers: { get: (n: string) => (n === 'subscription-state' ? 'terminated;reason=timeout' : undefined) },
  } as unknown as SipRequest;
  sub.notified(notify);
  await new Promise((r) => setImmediate(r));
  assert.equal(sent.length, 2);
  assert.notEqual(header(sent[1], 'call-id'), header(sent[0], 'call-id'));
  sub.notified({
    headers: { get: (n: string) => (n === 'subscription-state' ? 'terminated;reason=rejected' : undefined) },
  } as unknown as SipRequest);
  assert.equal(sub.state, 'failed');
});
