// Client and server transactions (RFC 3261 §17) seen on the wire: a SipUserAgent on one side, a
// raw UDP/TCP socket on the other. Timers are scaled: T1 = 50 ms, T2 = 400 ms, T4 = 100 ms.
// Where the timers are the subject, the clock is node:test's mock: the test advances it one
// millisecond at a time and reads the instant of every send from the transport's counter, so
// the schedule is checked exactly and nothing waits for it in real time. The datagrams still
// cross real sockets, and the peer checks what arrived.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { getTopVia, parseCSeq, parseNameAddr } from './headers.js';
import {
  parseSipMessage,
  serializeSipMessage,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from './message.js';
import type { SipRemote } from './remote.js';
import { buildResponse } from './response.js';
import { SipTransport } from './transport.js';
import { SipUserAgent } from './user-agent.js';
import { advance, mockClock } from '../../test/helpers/mock-clock.js';
import { tcpListener, TcpPeer, UdpPeer } from '../../test/helpers/sip-sockets.js';
import { waitFor } from '../../test/helpers/wait.js';
import { INVITE_LIVE, MESSAGE_KEEPALIVE } from './fixtures/reference-messages.js';

const T1 = 50;
const timers = { t1Ms: T1, t2Ms: 400, t4Ms: 100, tryingDelayMs: 100 };

async function makeUa(ctx: TestContext): Promise<SipUserAgent> {
  const transport = await SipTransport.listen({ host: '127.0.0.1', port: 0 });
  const ua = new SipUserAgent({
    transport,
    localId: '34020000002000000001',
    domain: '3402000000',
    publicHost: '127.0.0.1',
    timers,
    userAgent: 'test-gw',
  });
  ctx.after(async () => {
    await ua.close();
    await transport.close();
  });
  return ua;
}

async function udpPeer(ctx: TestContext): Promise<UdpPeer> {
  const p = await UdpPeer.open();
  ctx.after(() => p.close());
  return p;
}

function msg(data: Buffer | string): SipMessage {
  const r = parseSipMessage(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  if (!r.ok) {
    assert.fail(`${r.error}: ${r.detail}`);
  }
  return r.message;
}

const asText = (m: SipMessage): string => serializeSipMessage(m).toString('latin1');

function message(ua: SipUserAgent, peer: UdpPeer): [SipRequest, SipRemote] {
  const req = ua.createRequest({
    method: 'MESSAGE',
    requestUri: `sip:34020000001180000001@127.0.0.1:${peer.port}`,
    to: 'sip:34020000001180000001@3402000000',
    body: '<Query/>',
    contentType: 'Application/MANSCDP+xml',
  });
  return [req, { transport: 'udp', address: '127.0.0.1', port: peer.port }];
}

/** Intervals between instants, in ms. */
const gaps = (at: number[]): number[] => at.slice(1).map((t, i) => t - at[i]);

/** Messages the UA has handed to its transport so far, counted at the send itself. */
const sent = (ua: SipUserAgent): number => ua.transport.stats.sent;

/** Lets promise callbacks and received datagrams run (setImmediate is left unmocked). */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A request's final response so far, readable without awaiting it. */
function track(pending: Promise<SipResponse>): () => SipResponse | undefined {
  let final: SipResponse | undefined;
  void pending.then((r) => (final = r));
  return () => final;
}

test('UDP non-INVITE client: Timer E retransmits at T1, 2T1, 4T1, then T2, and Timer F yields 408', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  const [req, remote] = message(ua, peer);
  const clock = mockClock(ctx);
  const final = track(ua.request(req, remote));
  assert.equal(sent(ua), 1, 'the request goes out at once');
  // 50, 150, 350, 750, then every T2 = 400: gaps 50, 100, 200, 400 …
  const at = advance(clock, 64 * T1 - 1, () => sent(ua));
  assert.deepEqual(at, [50, 150, 350, 750, 1150, 1550, 1950, 2350, 2750, 3150]);
  await settle();
  assert.equal(final(), undefined, 'no final response before Timer F');
  clock.tick(1); // Timer F: 64·T1 = 3200
  await settle();
  assert.equal(final()?.status, 408);
  assert.deepEqual(
    advance(clock, 1_000, () => sent(ua)),
    [],
    'nothing after Timer F',
  );
  // On the wire: 11 datagrams, every retransmission the same bytes.
  await peer.nth(10);
  assert.equal(peer.received.length, 11);
  for (const r of peer.received) {
    assert.equal(r.data.toString('latin1'), peer.received[0].data.toString('latin1'));
  }
});

test('UDP INVITE client: Timer A doubles (T1, 2T1, 4T1 …) and Timer B yields 408', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  const invite = ua.createRequest({
    method: 'INVITE',
    requestUri: `sip:34020000001310000001@127.0.0.1:${peer.port}`,
    to: 'sip:34020000001310000001@3402000000',
  });
  const clock = mockClock(ctx);
  const final = track(ua.request(invite, { transport: 'udp', address: '127.0.0.1', port: peer.port }));
  const at = advance(clock, 64 * T1 - 1, () => sent(ua));
  assert.deepEqual(gaps([0, ...at]), [50, 100, 200, 400, 800, 1600]); // unbounded doubling, §17.1.1.2
  await settle();
  assert.equal(final(), undefined, 'no final response before Timer B');
  clock.tick(1);
  await settle();
  assert.equal(final()?.status, 408);
  await peer.nth(6);
});

test('retransmission stops once answered; the final response resolves the request', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  const [req, remote] = message(ua, peer);
  const clock = mockClock(ctx);
  const pending = ua.request(req, remote);
  assert.deepEqual(
    advance(clock, 150, () => sent(ua)),
    [50, 150],
  );
  await peer.nth(2); // the original and two retransmissions
  const got = msg(peer.received[0].data) as SipRequest;
  peer.send(asText(buildResponse(got, 200)), ua.transport.port);
  const res = await pending;
  assert.equal(res.status, 200);
  assert.deepEqual(
    advance(clock, 64 * T1, () => sent(ua)),
    [],
    'no retransmission after the answer',
  );
});

test('a synthesized 408 is a real response to the request (Via, Call-ID and CSeq copied)', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  const [req, remote] = message(ua, peer);
  const clock = mockClock(ctx);
  const final = track(ua.request(req, remote, { timeoutMs: 120 }));
  advance(clock, 119);
  await settle();
  assert.equal(final(), undefined);
  clock.tick(1);
  await settle();
  const res = final()!;
  assert.equal(res.status, 408);
  assert.equal(res.headers.get('call-id'), req.headers.get('call-id'));
  assert.equal(res.headers.get('cseq'), '1 MESSAGE');
  assert.equal(getTopVia(res.headers)!.branch, getTopVia(req.headers)!.branch);
});

test('TCP client: no retransmission, 408 when the wait ends', async (ctx) => {
  const ua = await makeUa(ctx);
  const server = await tcpListener();
  ctx.after(() => server.close());
  const req = ua.createRequest({ method: 'MESSAGE', requestUri: 'sip:x@127.0.0.1', to: 'sip:x@127.0.0.1' });
  const clock = mockClock(ctx);
  const final = track(
    ua.request(req, { transport: 'tcp', address: '127.0.0.1', port: server.port }, { timeoutMs: 500 }),
  );
  await waitFor(() => server.peers[0]?.text.includes('\r\n\r\n'), 2_000, 'the request on the connection');
  assert.deepEqual(
    advance(clock, 499, () => sent(ua)),
    [],
    'no retransmission over TCP (§17.1.2.2)',
  );
  await settle();
  assert.equal(final(), undefined);
  clock.tick(1);
  await settle();
  assert.equal(final()?.status, 408);
  assert.equal(server.peers[0].text.split('MESSAGE sip:').length, 2);
  assert.match(
    server.peers[0].text,
    /^MESSAGE sip:x@127\.0\.0\.1 SIP\/2\.0\r\nVia: SIP\/2\.0\/TCP 127\.0\.0\.1:\d+;rport;branch=z9hG4bK/,
  );
});

test('INVITE client: 1xx stops Timer A; a non-2xx final is ACKed in the transaction, and re-ACKed when retransmitted', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  const invite = ua.createRequest({
    method: 'INVITE',
    requestUri: `sip:34020000001310000001@127.0.0.1:${peer.port}`,
    to: 'sip:34020000001310000001@3402000000',
    body: 'v=0\r\n',
    contentType: 'APPLICATION/SDP',
  });
  const clock = mockClock(ctx);
  const provisional: number[] = [];
  const pending = ua.request(
    invite,
    { transport: 'udp', address: '127.0.0.1', port: peer.port },
    { onProvisional: (r) => provisional.push(r.status) },
  );
  const got = msg(await peer.nth(0)) as SipRequest;
  peer.send(asText(buildResponse(got, 100)), ua.transport.port);
  await waitFor(() => provisional.length === 1, 2_000, 'the 100 to reach the UA');
  assert.deepEqual(
    advance(clock, 16 * T1, () => sent(ua)),
    [],
    'Timer A stopped by the 1xx',
  );
  const busy = buildResponse(got, 486, undefined, { toTag: 'devtag' });
  peer.send(asText(busy), ua.transport.port);
  const res = await pending;
  assert.equal(res.status, 486);
  assert.deepEqual(provisional, [100]);
  const ack = msg(await peer.nth(1)) as SipRequest;
  assert.equal(ack.method, 'ACK');
  assert.equal(ack.uri, got.uri);
  assert.equal(getTopVia(ack.headers)!.branch, getTopVia(got.headers)!.branch); // §17.1.1.3: same branch
  assert.deepEqual(parseCSeq(ack.headers.get('cseq')!), { seq: 1, method: 'ACK' });
  assert.equal(parseNameAddr(ack.headers.get('to')!)!.tag, 'devtag');
  assert.equal(ack.body.length, 0);
  peer.send(asText(busy), ua.transport.port); // the 486 again: our ACK must repeat
  assert.equal(await peer.nth(2), asText(ack));
});

test('server: a retransmitted request is absorbed and answered with the same last response', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  let calls = 0;
  ua.onRequest((_req, tx) => {
    calls++;
    tx.respond(200, undefined, { headers: [['Expires', '3600']] });
  });
  peer.send(MESSAGE_KEEPALIVE, ua.transport.port);
  const first = await peer.nth(0);
  peer.send(MESSAGE_KEEPALIVE, ua.transport.port);
  peer.send(MESSAGE_KEEPALIVE, ua.transport.port);
  assert.equal(await peer.nth(2), first);
  assert.equal(calls, 1);
  assert.match(first, /^SIP\/2\.0 200 OK\r\n/);
  assert.match(
    first,
    new RegExp(
      `Via: SIP/2.0/UDP 192.168.1.64:5060;rport=${peer.port};received=127.0.0.1;branch=z9hG4bK927308490\\r\\n`,
    ),
  );
  assert.match(first, /\r\nTo: <sip:34020000002000000001@3402000000>;tag=\d{10}\r\n/);
  // A UAS names itself in Server (RFC 3261 §20.35), never in User-Agent.
  assert.match(first, /\r\nServer: test-gw\r\n/);
  assert.doesNotMatch(first, /User-Agent/);
});

test('server: a request retransmitted before the handler answers gets nothing, then the answer', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  let respond: (() => void) | undefined;
  ua.onRequest((_req, tx) => (respond = () => tx.respond(202)));
  peer.send(MESSAGE_KEEPALIVE, ua.transport.port);
  await waitFor(() => respond !== undefined);
  peer.send(MESSAGE_KEEPALIVE, ua.transport.port);
  // A received request is handled synchronously: once the transport has counted the
  // retransmission, anything it would trigger has been sent.
  await waitFor(() => ua.transport.stats.received === 2, 2_000, 'the retransmission to arrive');
  assert.equal(sent(ua), 0);
  respond!();
  assert.match(await peer.nth(0), /^SIP\/2\.0 202 Accepted/);
});

test('server INVITE: 100 Trying when the handler is slow; a non-2xx is retransmitted (Timer G) until the ACK, which is absorbed', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  const clock = mockClock(ctx);
  const seen: string[] = [];
  const acks: string[] = [];
  let respond: (() => void) | undefined;
  ua.onRequest((req, tx) => {
    seen.push(req.method);
    respond = () => tx.respond(486);
  });
  ua.onAck((ack) => acks.push(ack.method));
  peer.send(INVITE_LIVE, ua.transport.port);
  await waitFor(() => respond !== undefined, 2_000, 'the INVITE to reach the handler');
  assert.deepEqual(
    advance(clock, 150, () => sent(ua)),
    [100],
    '100 Trying after tryingDelay (§17.2.1)',
  );
  assert.match(await peer.nth(0), /^SIP\/2\.0 100 Trying\r\n/);
  assert.match(await peer.nth(0), /\r\nTo: <sip:34020000001310000001@203\.0\.113\.7:40211>\r\n/); // §8.2.6.2: no To tag on 100
  peer.send(INVITE_LIVE, ua.transport.port); // retransmission in Proceeding: the 100 again
  assert.match(await peer.nth(1), /^SIP\/2\.0 100 Trying/);
  respond!();
  const busy = await peer.nth(2);
  assert.match(busy, /^SIP\/2\.0 486 Busy Here/);
  // Timer G: T1, then 2·T1 (§17.2.1).
  assert.deepEqual(
    advance(clock, 3 * T1, () => sent(ua)),
    [50, 150],
  );
  await peer.nth(4);
  const final = msg(busy) as SipResponse;
  const ack = INVITE_LIVE.replace(/^INVITE /, 'ACK ')
    .replace('CSeq: 50 INVITE', 'CSeq: 50 ACK')
    .replace(/To: .*\r\n/, `To: ${final.headers.get('to')}\r\n`)
    .replace(/Content-Type: .*\r\n/, '')
    .replace(/Content-Length: \d+\r\n\r\n[^]*$/, 'Content-Length: 0\r\n\r\n');
  peer.send(ack, ua.transport.port);
  await waitFor(() => ua.transport.stats.received === 3, 2_000, 'the ACK to arrive');
  assert.deepEqual(
    advance(clock, 64 * T1, () => sent(ua)),
    [],
    'no retransmission after the ACK',
  );
  assert.equal(peer.received.length, 5);
  assert.deepEqual(seen, ['INVITE']);
  assert.deepEqual(acks, []);
});

test('server INVITE: a 2xx is retransmitted until the ACK (new branch) arrives, which reaches onAck once', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  const acks: SipRequest[] = [];
  ua.onRequest((_req, tx) => tx.respond(200, undefined, { body: 'v=0\r\n', contentType: 'application/sdp' }));
  ua.onAck((ack) => acks.push(ack));
  const clock = mockClock(ctx);
  peer.send(INVITE_LIVE, ua.transport.port);
  await waitFor(() => sent(ua) === 1, 2_000, 'the 200');
  // §13.3.1.4: the 2xx is sent again at T1, 2·T1, … (RFC 6026 keeps it in Accepted).
  assert.deepEqual(
    advance(clock, 3 * T1, () => sent(ua)),
    [50, 150],
  );
  const ok = msg(await peer.nth(2)) as SipResponse; // original + 2 retransmissions
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get('contact')!, /^<sip:34020000002000000001@127\.0\.0\.1:\d+>$/);
  const ack = `ACK sip:34020000002000000001@127.0.0.1:${ua.transport.port} SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.10:5060;rport;branch=z9hG4bKnewbranch\r\nFrom: ${ok.headers.get('from')}\r\nTo: ${ok.headers.get('to')}\r\nCall-ID: ${ok.headers.get('call-id')}\r\nCSeq: 50 ACK\r\nContent-Length: 0\r\n\r\n`;
  peer.send(ack, ua.transport.port);
  peer.send(ack, ua.transport.port);
  await waitFor(() => ua.transport.stats.received === 3, 2_000, 'both ACKs to arrive');
  assert.equal(acks.length, 1);
  assert.deepEqual(
    advance(clock, 64 * T1, () => sent(ua)),
    [],
    'no retransmission after the ACK',
  );
});

test('server: CANCEL of a pending INVITE gets 200, the INVITE 487, and the handler hears onCancel', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  let cancelled = false;
  ua.onRequest((_req, tx) => tx.onCancel(() => (cancelled = true)));
  peer.send(INVITE_LIVE, ua.transport.port);
  await peer.nth(0); // 100 Trying
  const cancel = INVITE_LIVE.replace(/^INVITE /, 'CANCEL ')
    .replace('CSeq: 50 INVITE', 'CSeq: 50 CANCEL')
    .replace(/Content-Type: .*\r\n/, '')
    .replace(/Content-Length: \d+\r\n\r\n[^]*$/, 'Content-Length: 0\r\n\r\n');
  peer.send(cancel, ua.transport.port);
  const a = await peer.nth(1);
  const b = await peer.nth(2);
  const both = [a, b].map((s) => s.split('\r\n')[0] + ' / ' + (msg(s).headers.get('cseq') ?? '')).sort();
  assert.deepEqual(both, ['SIP/2.0 200 OK / 50 CANCEL', 'SIP/2.0 487 Request Terminated / 50 INVITE']);
  assert.equal(cancelled, true);
  // A CANCEL for nothing gets 481.
  peer.send(cancel.replace('z9hG4bK4de987b1', 'z9hG4bKunknown'), ua.transport.port);
  assert.match(await peer.nth(3), /^SIP\/2\.0 481 /);
});

test('a handler that throws gets 500 sent for it; the UA keeps serving', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  let n = 0;
  ua.onRequest((_req, tx) => {
    if (n++ === 0) {
      throw new Error('handler bug');
    }
    tx.respond(200);
  });
  peer.send(MESSAGE_KEEPALIVE, ua.transport.port);
  assert.match(await peer.nth(0), /^SIP\/2\.0 500 /);
  peer.send(MESSAGE_KEEPALIVE.replace('z9hG4bK927308490', 'z9hG4bKother'), ua.transport.port);
  assert.match(await peer.nth(1), /^SIP\/2\.0 200 /);
});

test('INVITE timeout after a 1xx sends CANCEL, and the 487 that follows is ACKed', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  const invite = ua.createRequest({
    method: 'INVITE',
    requestUri: `sip:34020000001310000001@127.0.0.1:${peer.port}`,
    to: 'sip:34020000001310000001@3402000000',
  });
  const clock = mockClock(ctx);
  const provisional: number[] = [];
  const pending = ua.request(
    invite,
    { transport: 'udp', address: '127.0.0.1', port: peer.port },
    { timeoutMs: 200, onProvisional: (r) => provisional.push(r.status) },
  );
  const got = msg(await peer.nth(0)) as SipRequest;
  peer.send(asText(buildResponse(got, 100)), ua.transport.port);
  await waitFor(() => provisional.length === 1, 2_000, 'the 100 to reach the UA');
  assert.deepEqual(
    advance(clock, 200, () => sent(ua)),
    [200],
    'the CANCEL, when the wait ends',
  );
  assert.equal((await pending).status, 408);
  const cancel = msg(await peer.nth(1)) as SipRequest;
  assert.equal(cancel.method, 'CANCEL');
  assert.equal(getTopVia(cancel.headers)!.branch, getTopVia(got.headers)!.branch);
  assert.deepEqual(parseCSeq(cancel.headers.get('cseq')!), { seq: 1, method: 'CANCEL' });
  peer.send(asText(buildResponse(cancel, 200)), ua.transport.port);
  peer.send(asText(buildResponse(got, 487, undefined, { toTag: 't1' })), ua.transport.port);
  const ack = msg(await peer.nth(2)) as SipRequest;
  assert.equal(ack.method, 'ACK');
  assert.equal(parseNameAddr(ack.headers.get('to')!)!.tag, 't1');
});

test('ua.cancel before any 1xx waits for one, then CANCELs; the INVITE resolves 487', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  const invite = ua.createRequest({
    method: 'INVITE',
    requestUri: `sip:c@127.0.0.1:${peer.port}`,
    to: 'sip:c@127.0.0.1',
  });
  const clock = mockClock(ctx);
  const pending = ua.request(invite, { transport: 'udp', address: '127.0.0.1', port: peer.port });
  const got = msg(await peer.nth(0)) as SipRequest;
  ua.cancel(invite);
  await settle();
  assert.deepEqual(
    advance(clock, T1 - 1, () => sent(ua)),
    [],
    '§9.1: no CANCEL before a provisional response',
  );
  peer.send(asText(buildResponse(got, 180, undefined, { toTag: 'r' })), ua.transport.port);
  await waitFor(() => peer.received.some((r) => r.data.toString('latin1').startsWith('CANCEL ')));
  peer.send(asText(buildResponse(got, 487, undefined, { toTag: 'r' })), ua.transport.port);
  assert.equal((await pending).status, 487);
});

test('close settles pending requests with 503 and stops every timer', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  const [req, remote] = message(ua, peer);
  const clock = mockClock(ctx);
  const pending = ua.request(req, remote);
  await peer.nth(0);
  await ua.close();
  await ua.close();
  assert.equal((await pending).status, 503);
  assert.deepEqual(
    advance(clock, 64 * T1, () => sent(ua)),
    [],
    'no timer left to send anything',
  );
});

test('TCP server transaction answers on the connection the request came in on', async (ctx) => {
  const ua = await makeUa(ctx);
  ua.onRequest((_req, tx) => tx.respond(200));
  const tcp = await TcpPeer.connect(ua.transport.port);
  ctx.after(() => tcp.close());
  await tcp.write(MESSAGE_KEEPALIVE.replace('SIP/2.0/UDP', 'SIP/2.0/TCP'));
  assert.deepEqual(await tcp.statusLines(1), ['SIP/2.0 200 OK']);
});
