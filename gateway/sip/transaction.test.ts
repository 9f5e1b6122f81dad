// Client and server transactions (RFC 3261 §17) seen on the wire: a SipUserAgent on one side, a
// raw UDP/TCP socket on the other. Timers are scaled: T1 = 50 ms, T2 = 400 ms, T4 = 100 ms.
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
import { sleep, waitFor } from '../../test/helpers/wait.js';
import { TcpPeer, UdpPeer } from '../../test/helpers/sip-sockets.js';
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

/** Intervals between arrivals, in ms. */
const gaps = (at: number[]): number[] => at.slice(1).map((t, i) => t - at[i]);

function assertNear(actual: number[], expected: number[], slack: number): void {
  assert.equal(
    actual.length,
    expected.length,
    `got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`,
  );
  actual.forEach((a, i) =>
    assert.ok(
      Math.abs(a - expected[i]) <= slack,
      `gap ${i}: ${a} vs ${expected[i]} (all ${JSON.stringify(actual)})`,
    ),
  );
}

test('UDP non-INVITE client: Timer E retransmits at T1, 2T1, 4T1, then T2, and Timer F yields 408', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  const [req, remote] = message(ua, peer);
  const started = Date.now();
  const res = await ua.request(req, remote);
  const elapsed = Date.now() - started;
  assert.equal(res.status, 408);
  assert.ok(elapsed >= 64 * T1 - 5 && elapsed < 64 * T1 + 300, `408 after ${elapsed} ms`);
  const at = peer.received.map((r) => r.at);
  // 0, 50, 150, 350, 750, 1150, 1550, 1950, 2350, 2750, 3150; F at 3200: gaps 50, 100, 200, then T2 = 400.
  assertNear(gaps(at), [50, 100, 200, 400, 400, 400, 400, 400, 400, 400], 45);
  // Every retransmission is the same bytes.
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
  const res = await ua.request(invite, { transport: 'udp', address: '127.0.0.1', port: peer.port });
  assert.equal(res.status, 408);
  assertNear(gaps(peer.received.map((r) => r.at)), [50, 100, 200, 400, 800, 1600], 60);
});

test('retransmission stops once answered; the final response resolves the request', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  const [req, remote] = message(ua, peer);
  const pending = ua.request(req, remote);
  await peer.nth(2); // the original and two retransmissions
  const got = msg(peer.received[0].data) as SipRequest;
  peer.send(asText(buildResponse(got, 200)), ua.transport.port);
  const res = await pending;
  assert.equal(res.status, 200);
  const count = peer.received.length;
  await sleep(600);
  assert.equal(peer.received.length, count);
});

test('a synthesized 408 is a real response to the request (Via, Call-ID and CSeq copied)', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  const [req, remote] = message(ua, peer);
  const res = await ua.request(req, remote, { timeoutMs: 120 });
  assert.equal(res.status, 408);
  assert.equal(res.headers.get('call-id'), req.headers.get('call-id'));
  assert.equal(res.headers.get('cseq'), '1 MESSAGE');
  assert.equal(getTopVia(res.headers)!.branch, getTopVia(req.headers)!.branch);
});

test('TCP client: no retransmission, 408 when the wait ends', async (ctx) => {
  const ua = await makeUa(ctx);
  const server = await import('../../test/helpers/sip-sockets.js').then((m) => m.tcpListener());
  ctx.after(() => server.close());
  const req = ua.createRequest({ method: 'MESSAGE', requestUri: 'sip:x@127.0.0.1', to: 'sip:x@127.0.0.1' });
  const res = await ua.request(
    req,
    { transport: 'tcp', address: '127.0.0.1', port: server.port },
    { timeoutMs: 500 },
  );
  assert.equal(res.status, 408);
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
  const provisional: number[] = [];
  const pending = ua.request(
    invite,
    { transport: 'udp', address: '127.0.0.1', port: peer.port },
    { onProvisional: (r) => provisional.push(r.status) },
  );
  const got = msg(await peer.nth(0)) as SipRequest;
  peer.send(asText(buildResponse(got, 100)), ua.transport.port);
  await sleep(300); // Timer A would have fired at 50, 150
  assert.equal(peer.received.length, 1);
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
  assert.match(first, /\r\nUser-Agent: test-gw\r\n/);
});

test('server: a request retransmitted before the handler answers gets nothing, then the answer', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  let respond: (() => void) | undefined;
  ua.onRequest((_req, tx) => (respond = () => tx.respond(202)));
  peer.send(MESSAGE_KEEPALIVE, ua.transport.port);
  await waitFor(() => respond !== undefined);
  peer.send(MESSAGE_KEEPALIVE, ua.transport.port);
  await sleep(100);
  assert.equal(peer.received.length, 0);
  respond!();
  assert.match(await peer.nth(0), /^SIP\/2\.0 202 Accepted/);
});

test('server INVITE: 100 Trying when the handler is slow; a non-2xx is retransmitted (Timer G) until the ACK, which is absorbed', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  const seen: string[] = [];
  const acks: string[] = [];
  ua.onRequest((req, tx) => {
    seen.push(req.method);
    setTimeout(() => tx.respond(486), 250);
  });
  ua.onAck((ack) => acks.push(ack.method));
  peer.send(INVITE_LIVE, ua.transport.port);
  assert.match(await peer.nth(0), /^SIP\/2\.0 100 Trying\r\n/);
  assert.match(await peer.nth(0), /\r\nTo: <sip:34020000001310000001@203\.0\.113\.7:40211>\r\n/); // §8.2.6.2: no To tag on 100
  peer.send(INVITE_LIVE, ua.transport.port); // retransmission in Proceeding: the 100 again
  assert.match(await peer.nth(1), /^SIP\/2\.0 100 Trying/);
  const busy = await peer.nth(2);
  assert.match(busy, /^SIP\/2\.0 486 Busy Here/);
  await peer.nth(4); // two retransmissions of the 486
  const final = msg(busy) as SipResponse;
  const ack = INVITE_LIVE.replace(/^INVITE /, 'ACK ')
    .replace('CSeq: 50 INVITE', 'CSeq: 50 ACK')
    .replace(/To: .*\r\n/, `To: ${final.headers.get('to')}\r\n`)
    .replace(/Content-Type: .*\r\n/, '')
    .replace(/Content-Length: \d+\r\n\r\n[^]*$/, 'Content-Length: 0\r\n\r\n');
  peer.send(ack, ua.transport.port);
  await sleep(50);
  const count = peer.received.length;
  await sleep(500);
  assert.equal(peer.received.length, count, 'no retransmission after the ACK');
  assert.ok(
    gaps(peer.received.slice(2, 5).map((r) => r.at)).every((g, i) => Math.abs(g - [50, 100][i]) < 45),
  );
  assert.deepEqual(seen, ['INVITE']);
  assert.deepEqual(acks, []);
});

test('server INVITE: a 2xx is retransmitted until the ACK (new branch) arrives, which reaches onAck once', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  const acks: SipRequest[] = [];
  ua.onRequest((_req, tx) => tx.respond(200, undefined, { body: 'v=0\r\n', contentType: 'application/sdp' }));
  ua.onAck((ack) => acks.push(ack));
  peer.send(INVITE_LIVE, ua.transport.port);
  const ok = msg(await peer.nth(2)) as SipResponse; // original + 2 retransmissions
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get('contact')!, /^<sip:34020000002000000001@127\.0\.0\.1:\d+>$/);
  const ack = `ACK sip:34020000002000000001@127.0.0.1:${ua.transport.port} SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.10:5060;rport;branch=z9hG4bKnewbranch\r\nFrom: ${ok.headers.get('from')}\r\nTo: ${ok.headers.get('to')}\r\nCall-ID: ${ok.headers.get('call-id')}\r\nCSeq: 50 ACK\r\nContent-Length: 0\r\n\r\n`;
  peer.send(ack, ua.transport.port);
  peer.send(ack, ua.transport.port);
  await waitFor(() => acks.length === 1);
  const count = peer.received.length;
  await sleep(400);
  assert.equal(peer.received.length, count);
  assert.equal(acks.length, 1);
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
  const pending = ua.request(
    invite,
    { transport: 'udp', address: '127.0.0.1', port: peer.port },
    { timeoutMs: 200 },
  );
  const got = msg(await peer.nth(0)) as SipRequest;
  peer.send(asText(buildResponse(got, 100)), ua.transport.port);
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
  const pending = ua.request(invite, { transport: 'udp', address: '127.0.0.1', port: peer.port });
  const got = msg(await peer.nth(0)) as SipRequest;
  ua.cancel(invite);
  await sleep(30);
  assert.equal(peer.received.length, 1); // §9.1: no CANCEL before a provisional response
  peer.send(asText(buildResponse(got, 180, undefined, { toTag: 'r' })), ua.transport.port);
  await waitFor(() => peer.received.some((r) => r.data.toString('latin1').startsWith('CANCEL ')));
  peer.send(asText(buildResponse(got, 487, undefined, { toTag: 'r' })), ua.transport.port);
  assert.equal((await pending).status, 487);
});

test('close settles pending requests with 503 and stops every timer', async (ctx) => {
  const ua = await makeUa(ctx);
  const peer = await udpPeer(ctx);
  const [req, remote] = message(ua, peer);
  const pending = ua.request(req, remote);
  await peer.nth(0);
  await ua.close();
  await ua.close();
  assert.equal((await pending).status, 503);
  const count = peer.received.length;
  await sleep(300);
  assert.equal(peer.received.length, count);
});

test('TCP server transaction answers on the connection the request came in on', async (ctx) => {
  const ua = await makeUa(ctx);
  ua.onRequest((_req, tx) => tx.respond(200));
  const tcp = await TcpPeer.connect(ua.transport.port);
  ctx.after(() => tcp.close());
  await tcp.write(MESSAGE_KEEPALIVE.replace('SIP/2.0/UDP', 'SIP/2.0/TCP'));
  assert.deepEqual(await tcp.statusLines(1), ['SIP/2.0 200 OK']);
});
