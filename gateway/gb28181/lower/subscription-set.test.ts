// SubscriptionSet: what a subscriber sees of a subscription's life (RFC 6665): the 200 to its
// SUBSCRIBE, NOTIFYs inside the dialog with the seconds left, refreshes, `Expires: 0`, expiry,
// a 481 and our closing, each with the Subscription-State the RFC asks for.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { SipRequest, SipResponse } from '../../sip/message.js';
import { parseSipMessage } from '../../sip/message.js';
import { buildResponse } from '../../sip/response.js';
import type { ServerTransaction } from '../../sip/server-transaction.js';
import { SubscriptionSet, type Subscription } from './subscription-set.js';

const UPPER = '34020000002000000001';
const LOWER = '34020000001110000001';
const REMOTE = { transport: 'udp', address: '192.0.2.1', port: 5060 } as const;
const T0 = 1_700_000_000_000;

interface Answer {
  status: number;
  expires: string | undefined;
}

/** A SUBSCRIBE from the upper; `toTag` puts it inside the dialog our 200 opened. */
function subscribe(
  expires: string | undefined,
  opts: { toTag?: string; cseq?: number; method?: string } = {},
) {
  const method = opts.method ?? 'SUBSCRIBE';
  const text = [
    `${method} sip:${LOWER}@192.0.2.2:5060 SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKsub' + (opts.cseq ?? 1),
    `From: <sip:${UPPER}@3402000000>;tag=up1`,
    `To: <sip:${LOWER}@3402000000>${opts.toTag ? `;tag=${opts.toTag}` : ''}`,
    'Call-ID: sub-set-test',
    `CSeq: ${opts.cseq ?? 1} ${method}`,
    `Contact: <sip:${UPPER}@192.0.2.1:5060>`,
    'Event: Catalog;id=7',
    ...(expires === undefined ? [] : [`Expires: ${expires}`]),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const parsed = parseSipMessage(new TextEncoder().encode(text));
  assert.ok(parsed.ok);
  const req = parsed.message as SipRequest;
  const answers: Answer[] = [];
  const tx = {
    remote: REMOTE,
    respond: (status: number, reason?: string, o?: { headers?: [string, string][] }): SipResponse => {
      answers.push({ status, expires: new Map(o?.headers ?? []).get('Expires') });
      return buildResponse(req, status, reason, {
        toTag: 'low1',
        ...(o?.headers ? { headers: o.headers } : {}),
      });
    },
  } as unknown as ServerTransaction;
  return { req, tx, answers };
}

/** A set whose NOTIFYs are recorded and answered with `status()` (200 unless told). */
function rig(t: TestContext, status: () => number = () => 200) {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 });
  const sent: SipRequest[] = [];
  const removed: Subscription<string>[] = [];
  const set = new SubscriptionSet<string>({
    link: {
      contactUri: `sip:${LOWER}@192.0.2.2:5060`,
      profile: { userAgent: 'Test NVR' },
      ua: {
        request: (req: SipRequest) => {
          sent.push(req);
          return Promise.resolve(buildResponse(req, status()));
        },
      },
    },
    maxExpiresSec: 3600,
    onRemoved: (sub) => removed.push(sub),
  });
  const states = () => sent.map((r) => r.headers.get('subscription-state'));
  return { set, sent, removed, states };
}

function accept(set: SubscriptionSet<string>, expires = '60'): Subscription<string> {
  const { req, tx, answers } = subscribe(expires);
  const sub = set.accept(req, tx, 'Catalog;id=7', 'payload');
  assert.ok(sub);
  assert.deepEqual(answers, [{ status: 200, expires }]);
  return sub;
}

const body = new TextEncoder().encode('<Notify/>');
const seconds = (s: number) => s * 1000;

test('a NOTIFY inside the subscription dialog echoes Event and says the seconds left', async (t) => {
  const { set, sent } = rig(t);
  const sub = accept(set, '60');
  t.mock.timers.tick(seconds(20));
  assert.equal(await set.notify(sub, body), true);
  assert.equal(await set.notify(sub, body), true);
  const [first, second] = sent;
  assert.equal(first.method, 'NOTIFY');
  assert.equal(first.uri, `sip:${UPPER}@192.0.2.1:5060`, 'to the subscriber Contact');
  assert.equal(first.headers.get('call-id'), 'sub-set-test');
  assert.equal(first.headers.get('from'), `<sip:${LOWER}@3402000000>;tag=low1`);
  assert.equal(first.headers.get('to'), `<sip:${UPPER}@3402000000>;tag=up1`);
  assert.equal(first.headers.get('cseq'), '1 NOTIFY');
  assert.equal(second.headers.get('cseq'), '2 NOTIFY', 'our own CSeq space, one more per request');
  assert.equal(first.headers.get('event'), 'Catalog;id=7');
  assert.equal(first.headers.get('subscription-state'), 'active;expires=40');
  assert.equal(first.headers.get('contact'), `<sip:${LOWER}@192.0.2.2:5060>`);
  assert.equal(first.headers.get('user-agent'), 'Test NVR');
  assert.equal(first.headers.get('content-type'), 'Application/MANSCDP+xml');
  assert.deepEqual(set.stats, { notifies: 2, failed: 0 });
});

test('a subscription lapses at its Expires with a final NOTIFY terminated;reason=timeout', (t) => {
  const { set, removed, states } = rig(t);
  const sub = accept(set, '60');
  t.mock.timers.tick(seconds(60) - 1);
  assert.equal(set.size, 1, 'still held a millisecond before');
  assert.deepEqual(states(), []);
  t.mock.timers.tick(1);
  assert.equal(set.size, 0);
  assert.equal(set.has(sub), false);
  assert.deepEqual(states(), ['terminated;reason=timeout']);
  assert.deepEqual(removed, [sub]);
});

test('a refresh inside the dialog restarts the expiry from the refresh', async (t) => {
  const { set, sent, states } = rig(t);
  const sub = accept(set, '60');
  t.mock.timers.tick(seconds(50));
  const refresh = subscribe('60', { toTag: 'low1', cseq: 2 });
  assert.equal(set.handleInDialog(refresh.req, refresh.tx), true);
  assert.deepEqual(refresh.answers, [{ status: 200, expires: '60' }]);
  t.mock.timers.tick(seconds(30)); // 80 s after the SUBSCRIBE, 30 s after the refresh
  assert.equal(set.has(sub), true, 'the first Expires no longer counts');
  await set.notify(sub, body);
  assert.equal(sent[0].headers.get('subscription-state'), 'active;expires=30');
  t.mock.timers.tick(seconds(30));
  assert.equal(set.has(sub), false);
  assert.deepEqual(states(), ['active;expires=30', 'terminated;reason=timeout']);
});

test('Expires: 0 inside the dialog ends it at once, and the old expiry sends nothing more', (t) => {
  const { set, removed, states } = rig(t);
  const sub = accept(set, '60');
  const end = subscribe('0', { toTag: 'low1', cseq: 2 });
  assert.equal(set.handleInDialog(end.req, end.tx), true);
  assert.deepEqual(end.answers, [{ status: 200, expires: '0' }]);
  assert.deepEqual(states(), ['terminated;reason=timeout']);
  t.mock.timers.tick(seconds(3600));
  assert.deepEqual(states(), ['terminated;reason=timeout']);
  assert.deepEqual(removed, [sub]);
});

test('a BYE inside a subscription dialog is answered 481 and the subscription stays', (t) => {
  const { set, states } = rig(t);
  const sub = accept(set, '60');
  const bye = subscribe(undefined, { toTag: 'low1', cseq: 2, method: 'BYE' });
  assert.equal(set.handleInDialog(bye.req, bye.tx), true);
  assert.deepEqual(bye.answers, [{ status: 481, expires: undefined }]);
  assert.equal(set.has(sub), true);
  assert.deepEqual(states(), []);
  const stranger = subscribe('60', { toTag: 'other', cseq: 2 });
  assert.equal(set.handleInDialog(stranger.req, stranger.tx), false, 'not our dialog');
  assert.deepEqual(stranger.answers, []);
});

test('a fetch (Expires: 0 outside a dialog) is answered and holds nothing; a long Expires is cut', (t) => {
  const { set } = rig(t);
  const fetch = subscribe('0');
  assert.equal(set.accept(fetch.req, fetch.tx, 'Catalog;id=7', 'x'), undefined);
  assert.deepEqual(fetch.answers, [{ status: 200, expires: '0' }]);
  assert.equal(set.size, 0);
  const long = subscribe('86400');
  assert.ok(set.accept(long.req, long.tx, 'Catalog;id=7', 'x'));
  assert.deepEqual(long.answers, [{ status: 200, expires: '3600' }]);
});

test('a NOTIFY answered 481 drops the subscription without a final NOTIFY', async (t) => {
  const { set, removed, states } = rig(t, () => 481);
  const sub = accept(set, '60');
  assert.equal(await set.notify(sub, body), false);
  assert.equal(set.size, 0);
  assert.deepEqual(removed, [sub]);
  t.mock.timers.tick(seconds(60));
  assert.deepEqual(states(), ['active;expires=60'], 'no terminated NOTIFY, at expiry or before');
  assert.deepEqual(set.stats, { notifies: 1, failed: 1 });
});

test('close ends every subscription with reason noresource, once', (t) => {
  const { set, removed, states } = rig(t);
  const a = accept(set, '60');
  const b = set.add({ ...a.dialog, id: 'other-dialog' }, 'presence', 30, 'b');
  set.close();
  set.close();
  set.end(a, 'timeout');
  t.mock.timers.tick(seconds(3600));
  assert.deepEqual(states(), ['terminated;reason=noresource', 'terminated;reason=noresource']);
  assert.deepEqual(removed, [a, b]);
  assert.equal(set.size, 0);
});
