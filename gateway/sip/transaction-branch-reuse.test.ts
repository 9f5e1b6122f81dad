// Field bug: lower platforms that send every keepalive MESSAGE (new Call-ID, CSeq and From tag)
// with the same Via branch. RFC 3261 §17.2.3 matches server transactions on the branch, but a
// retransmission repeats Call-ID, From tag and CSeq too: a request that changes any of them is
// new, and must reach the TU and get its own answer, not the cached one of an older request.
// The end-to-end version, with sipp as the device, is test/integration/sipp-branch-reuse.test.ts.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { parseSipMessage, type SipRequest, type SipResponse } from './message.js';
import { SipTransport } from './transport.js';
import { SipUserAgent } from './user-agent.js';
import { UdpPeer } from '../../test/helpers/sip-sockets.js';
import { waitFor } from '../../test/helpers/wait.js';
import { INVITE_LIVE, MESSAGE_KEEPALIVE } from './fixtures/reference-messages.js';

const timers = { t1Ms: 50, t2Ms: 400, t4Ms: 100, tryingDelayMs: 100 };

async function rig(ctx: TestContext) {
  const transport = await SipTransport.listen({ host: '127.0.0.1', port: 0 });
  const ua = new SipUserAgent({
    transport,
    localId: '34020000002000000001',
    domain: '3402000000',
    publicHost: '127.0.0.1',
    timers,
  });
  const peer = await UdpPeer.open();
  ctx.after(async () => {
    await peer.close();
    await ua.close();
    await transport.close();
  });
  return { ua, peer, port: transport.port };
}

/** The reference keepalive (branch z9hG4bK927308490, Call-ID 594186441, CSeq 20, tag 287801969) with fields replaced. */
function keepalive(o: { callId?: string; cseq?: number; fromTag?: string }): string {
  return MESSAGE_KEEPALIVE.replace('Call-ID: 594186441', `Call-ID: ${o.callId ?? '594186441'}`)
    .replace('CSeq: 20 MESSAGE', `CSeq: ${o.cseq ?? 20} MESSAGE`)
    .replace('tag=287801969', `tag=${o.fromTag ?? '287801969'}`);
}

function response(text: string): SipResponse {
  const r = parseSipMessage(Buffer.from(text, 'latin1'));
  assert.ok(r.ok && r.message.kind === 'response', text);
  return r.message;
}

test('keepalives reusing one branch with a new Call-ID, CSeq and From tag each reach the TU and get their own 200', async (ctx) => {
  const { ua, peer, port } = await rig(ctx);
  const seen: SipRequest[] = [];
  ua.onRequest((req, tx) => {
    seen.push(req);
    tx.respond(200);
  });
  const sent = [
    { callId: '594186441', cseq: 20, fromTag: '287801969' },
    { callId: '594186442', cseq: 21, fromTag: '287801970' },
    { callId: '594186443', cseq: 22, fromTag: '287801971' },
  ];
  for (const [i, k] of sent.entries()) {
    peer.send(keepalive(k), port);
    await peer.nth(i);
  }
  assert.deepEqual(
    seen.map((r) => r.headers.get('call-id')),
    sent.map((k) => k.callId),
  );
  const answers = peer.received.map((r) => response(r.data.toString('latin1')));
  assert.deepEqual(
    answers.map((a) => [a.status, a.headers.get('call-id'), a.headers.get('cseq')]),
    sent.map((k) => [200, k.callId, `${k.cseq} MESSAGE`]),
  );
});

test('one changed field is enough: Call-ID alone, CSeq number alone, From tag alone', async (ctx) => {
  const { ua, peer, port } = await rig(ctx);
  let calls = 0;
  ua.onRequest((_req, tx) => {
    calls++;
    tx.respond(200);
  });
  peer.send(keepalive({}), port);
  peer.send(keepalive({ callId: 'other-call' }), port);
  peer.send(keepalive({ cseq: 21 }), port);
  peer.send(keepalive({ fromTag: 'other-tag' }), port);
  await waitFor(() => calls === 4, 2_000, 'four requests at the TU');
  await peer.nth(3);
});

test('a true retransmission (same branch and same fields) is still absorbed and answered from the cache', async (ctx) => {
  const { ua, peer, port } = await rig(ctx);
  let calls = 0;
  ua.onRequest((_req, tx) => {
    calls++;
    tx.respond(200);
  });
  peer.send(keepalive({}), port);
  const first = await peer.nth(0);
  peer.send(keepalive({}), port);
  // The TU runs before a new request's answer is sent, so by now a second call would show.
  assert.equal(await peer.nth(1), first, 'the cached response, byte for byte');
  assert.equal(calls, 1);
});

test('a CANCEL (same branch as its INVITE, its own method) still finds the INVITE', async (ctx) => {
  const { ua, peer, port } = await rig(ctx);
  let cancelled = false;
  ua.onRequest((_req, tx) => tx.onCancel(() => (cancelled = true)));
  peer.send(INVITE_LIVE, port);
  assert.match(await peer.nth(0), /^SIP\/2\.0 100 Trying/);
  const cancel = INVITE_LIVE.replace(/^INVITE /, 'CANCEL ')
    .replace('CSeq: 50 INVITE', 'CSeq: 50 CANCEL')
    .replace(/Content-Type: .*\r\n/, '')
    .replace(/Content-Length: \d+\r\n\r\n[^]*$/, 'Content-Length: 0\r\n\r\n');
  peer.send(cancel, port);
  await peer.nth(2);
  const statuses = peer.received.slice(1, 3).map((r) => {
    const res = response(r.data.toString('latin1'));
    return `${res.status} ${res.headers.get('cseq')}`;
  });
  assert.deepEqual(statuses.sort(), ['200 50 CANCEL', '487 50 INVITE']);
  assert.equal(cancelled, true);
  // (The ACK of the 487 matching the INVITE is checked in transaction.test.ts.)
});
