import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { getTopVia } from './headers.js';
import { parseSipMessage, type SipMessage } from './message.js';
import type { SipRemote } from './remote.js';
import { buildResponse, responseDestination } from './response.js';
import { SipTransport } from './transport.js';
import { sleep, waitFor } from '../../test/helpers/wait.js';
import { tcpListener, TcpPeer, UdpPeer } from '../../test/helpers/sip-sockets.js';
import { MESSAGE_KEEPALIVE, REGISTER_NO_AUTH, REGISTER_OK_200 } from './fixtures/reference-messages.js';

/** A transport that answers every request 200 statelessly, recording what it got. */
async function answeringTransport(
  ctx: TestContext,
  maxMessageBytes?: number,
): Promise<{ t: SipTransport; got: [SipMessage, SipRemote][] }> {
  const t = await SipTransport.listen({ host: '127.0.0.1', port: 0, maxMessageBytes });
  ctx.after(() => t.close());
  const got: [SipMessage, SipRemote][] = [];
  t.onMessage((m, remote) => {
    got.push([m, remote]);
    if (m.kind === 'request' && m.method !== 'ACK') {
      t.send(buildResponse(m, 200), responseDestination(m, remote));
    }
  });
  return { t, got };
}

/** A good REGISTER with a distinct Call-ID, so answers can be told apart. */
const good = (n: number): string => REGISTER_NO_AUTH.replace('Call-ID: 1011047669', `Call-ID: good-${n}`);

test('UDP and TCP share one ephemeral port', async (ctx) => {
  const { t } = await answeringTransport(ctx);
  assert.ok(t.port > 0);
  const udp = await UdpPeer.open();
  ctx.after(() => udp.close());
  udp.send(good(1), t.port);
  assert.match(await udp.nth(0), /^SIP\/2\.0 200 OK\r\n/);
  const tcp = await TcpPeer.connect(t.port);
  ctx.after(() => tcp.close());
  await tcp.write(good(2));
  assert.equal((await tcp.statusLines(1))[0], 'SIP/2.0 200 OK');
  tcp.close();
});

test('a UDP request gets received and rport stamped, and the response goes to that address (RFC 3581)', async (ctx) => {
  const { t, got } = await answeringTransport(ctx);
  const udp = await UdpPeer.open();
  ctx.after(() => udp.close());
  udp.send(REGISTER_NO_AUTH, t.port); // Via says 192.168.1.64:5060 (the device's LAN address)
  const reply = await udp.nth(0);
  const [m, remote] = got[0];
  assert.deepEqual(remote, { transport: 'udp', address: '127.0.0.1', port: udp.port });
  assert.equal(
    m.headers.get('via'),
    `SIP/2.0/UDP 192.168.1.64:5060;rport=${udp.port};received=127.0.0.1;branch=z9hG4bK1371463273`,
  );
  assert.match(
    reply,
    new RegExp(
      `\\r\\nVia: SIP/2.0/UDP 192.168.1.64:5060;rport=${udp.port};received=127.0.0.1;branch=z9hG4bK1371463273\\r\\n`,
    ),
  );
});

test('UDP malformed input: each case gets its documented outcome and a good request is answered after it', async (ctx) => {
  const { t, got } = await answeringTransport(ctx, 2048);
  const udp = await UdpPeer.open();
  ctx.after(() => udp.close());
  const cases: [string, string | Uint8Array, RegExp | null][] = [
    ['truncated', REGISTER_NO_AUTH.slice(0, 150), /^SIP\/2\.0 400 /],
    ['garbage bytes', new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x0d, 0x0a, 0x00]), null],
    [
      'Content-Length larger than the body',
      MESSAGE_KEEPALIVE.replace('Content-Length: 168', 'Content-Length: 300'),
      /^SIP\/2\.0 400 /,
    ],
    [
      'Content-Length smaller than the body',
      MESSAGE_KEEPALIVE.replace('Content-Length: 168', 'Content-Length: 100'),
      /^SIP\/2\.0 200 /,
    ],
    ['missing Call-ID', REGISTER_NO_AUTH.replace('Call-ID: 1011047669\r\n', ''), /^SIP\/2\.0 400 /],
    ['missing Via', REGISTER_NO_AUTH.replace(/Via: .*\r\n/, ''), null],
    ['a response with no transaction', REGISTER_OK_200, null],
    [
      'oversized',
      MESSAGE_KEEPALIVE.replace('Content-Length: 168', 'Content-Length: 2168') + 'x'.repeat(2000),
      /^SIP\/2\.0 513 Message Too Large\r\n/,
    ],
    ['CRLF keep-alive', '\r\n\r\n', null],
  ];
  let n = 0;
  for (const [name, input, outcome] of cases) {
    const before = udp.received.length;
    udp.send(input, t.port);
    if (outcome) {
      assert.match(await udp.nth(before), outcome, name);
    }
    udp.send(good(++n), t.port);
    const answer = await udp.nth(before + (outcome ? 1 : 0));
    assert.match(
      answer,
      new RegExp(`^SIP/2\\.0 200 OK\\r\\n[^]*Call-ID: good-${n}\\r\\n`),
      `good request after ${name}`,
    );
    assert.equal(udp.received.length, before + (outcome ? 2 : 1), `nothing else sent for ${name}`);
  }
  const bad400 = udp.received
    .map((r) => r.data.toString('latin1'))
    .find((s) => s.includes('"missing Call-ID"'))!;
  assert.match(bad400, /^SIP\/2\.0 400 Bad Request\r\n/);
  assert.match(bad400, /\r\nCSeq: 1 REGISTER\r\n/);
  assert.equal(got.filter(([m]) => m.kind === 'response').length, 1); // the stray 200 is still delivered up
  assert.equal(t.stats.answered513, 1);
});

test('a flood of garbage datagrams is survived and the transport keeps answering', async (ctx) => {
  const { t } = await answeringTransport(ctx);
  const udp = await UdpPeer.open();
  ctx.after(() => udp.close());
  // Batches of 50, each waited for, so the kernel's socket buffer does not drop any.
  for (let batch = 0; batch < 60; batch++) {
    for (let i = 0; i < 50; i++) {
      udp.send(Buffer.from(`junk ${batch}.${i} \x00\xff`, 'latin1'), t.port);
    }
    await waitFor(() => t.stats.malformed === (batch + 1) * 50, 5_000, `batch ${batch}`);
  }
  udp.send(good(1), t.port);
  assert.match(await udp.nth(0, 5_000), /^SIP\/2\.0 200 OK/);
});

test('TCP: a message split at every offset over a real socket, with CRLF keep-alives in between', async (ctx) => {
  const { t, got } = await answeringTransport(ctx);
  const tcp = await TcpPeer.connect(t.port);
  ctx.after(() => tcp.close());
  const msg = Buffer.from(MESSAGE_KEEPALIVE, 'latin1');
  for (let i = 1; i < msg.length; i += 3) {
    await tcp.write(msg.subarray(0, i));
    await sleep(1);
    await tcp.write(msg.subarray(i));
  }
  const expected = Math.ceil((msg.length - 1) / 3);
  await tcp.statusLines(expected, 10_000);
  assert.equal(got.length, expected);
  for (const [m] of got) {
    assert.equal(
      Buffer.from(m.body).toString('latin1'),
      MESSAGE_KEEPALIVE.slice(MESSAGE_KEEPALIVE.indexOf('\r\n\r\n') + 4),
    );
  }
  // RFC 5626 §4.4.1: a double-CRLF ping is answered by a single CRLF pong.
  tcp.text = '';
  await tcp.write('\r\n\r\n');
  await waitFor(() => tcp.text === '\r\n', 2_000, 'pong');
  await tcp.write('\r\n' + good(1)); // a lone CRLF (pong from the peer) then a request
  assert.equal((await tcp.statusLines(1))[0], 'SIP/2.0 200 OK');
  assert.equal(got[got.length - 1][1].connectionId, t.connections()[0].connectionId);
});

test('TCP malformed input: documented outcomes, and the same connection keeps serving', async (ctx) => {
  const { t, got } = await answeringTransport(ctx, 4096);
  const tcp = await TcpPeer.connect(t.port);
  ctx.after(() => tcp.close());
  // Content-Length smaller: the message is answered, its leftover line is dropped, the next is answered.
  await tcp.write(MESSAGE_KEEPALIVE.replace('Content-Length: 168', 'Content-Length: 157') + good(1));
  assert.deepEqual(await tcp.statusLines(2), ['SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
  // Content-Length larger: the request waits for its body; the next bytes complete it.
  await tcp.write(MESSAGE_KEEPALIVE.replace('Content-Length: 168', 'Content-Length: 172'));
  await tcp.write('pad!' + good(2));
  assert.deepEqual((await tcp.statusLines(4)).slice(2), ['SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
  const waited = got.at(-2)![0];
  assert.equal(waited.body.length, 172);
  assert.equal(
    Buffer.from(waited.body.subarray(-4)).toString('latin1'),
    'pad!',
    'the body waited for its last bytes',
  );
  assert.equal(got.at(-1)![0].headers.get('call-id'), 'good-2');
  // Garbage lines, then a missing mandatory header (400), then an oversized request (513).
  await tcp.write('\x00\x01\x02 garbage\r\n' + REGISTER_NO_AUTH.replace(/CSeq: .*\r\n/, '') + good(3));
  assert.deepEqual((await tcp.statusLines(6)).slice(4), ['SIP/2.0 400 Bad Request', 'SIP/2.0 200 OK']);
  const big = MESSAGE_KEEPALIVE.replace('Content-Length: 168', 'Content-Length: 10168') + 'y'.repeat(10_000);
  await tcp.write(big + good(4));
  assert.deepEqual((await tcp.statusLines(8)).slice(6), ['SIP/2.0 513 Message Too Large', 'SIP/2.0 200 OK']);
  assert.equal(tcp.closed, false);
  // An endless header section cannot be framed: that connection is closed, others are unaffected.
  const closes: string[] = [];
  t.onConnectionClose((info, reason) => closes.push(`${info.connectionId}:${reason}`));
  await tcp.write('REGISTER sip:a@b SIP/2.0\r\n' + 'X-Pad: z\r\n'.repeat(600));
  await waitFor(() => tcp.closed, 2_000, 'desync close');
  assert.match(closes[0], /:desync$/);
  const tcp2 = await TcpPeer.connect(t.port);
  ctx.after(() => tcp2.close());
  await tcp2.write(good(5));
  assert.equal((await tcp2.statusLines(1))[0], 'SIP/2.0 200 OK');
  tcp2.close();
});

test('connection table: requests reuse the peer connection; when gone, a new one is dialed', async (ctx) => {
  const t = await SipTransport.listen({ host: '127.0.0.1', port: 0 });
  ctx.after(() => t.close());
  const opened: string[] = [];
  const closed: string[] = [];
  t.onConnectionOpen((i) => opened.push(`${i.direction}:${i.connectionId}`));
  t.onConnectionClose((i, reason) => closed.push(`${i.connectionId}:${reason}`));
  const inbound: SipRemote[] = [];
  t.onMessage((_m, remote) => inbound.push(remote));

  const device = await TcpPeer.connect(t.port);
  ctx.after(() => device.close());
  await device.write(good(1));
  await waitFor(() => inbound.length === 1);
  const remote = inbound[0];
  assert.equal(remote.transport, 'tcp');
  assert.equal(remote.port, device.localPort);
  assert.ok(t.hasConnection(remote.connectionId!));

  const req = parseSipMessage(Buffer.from(MESSAGE_KEEPALIVE)).ok
    ? (parseSipMessage(Buffer.from(MESSAGE_KEEPALIVE)) as { message: SipMessage }).message
    : assert.fail();
  t.send(req, remote);
  await waitFor(() => device.text.startsWith('MESSAGE '), 2_000, 'request on the device connection');

  device.close();
  await waitFor(() => closed.length === 1);
  assert.match(closed[0], /:peer-closed$/);
  assert.equal(t.hasConnection(remote.connectionId!), false);

  // The device is gone; a listener stands in for it and we dial it as a client.
  const lst = await tcpListener();
  ctx.after(() => lst.close());
  const errors: Error[] = [];
  t.send(
    req,
    { transport: 'tcp', address: '127.0.0.1', port: lst.port, connectionId: remote.connectionId },
    (e) => errors.push(e),
  );
  await waitFor(
    () => lst.peers.length === 1 && lst.peers[0].text.startsWith('MESSAGE '),
    2_000,
    'dialed request',
  );
  assert.deepEqual(errors, []);
  assert.ok(opened.some((o) => o.startsWith('outbound:')));
  // Sending again to the same address reuses the dialed connection.
  t.send(req, { transport: 'tcp', address: '127.0.0.1', port: lst.port });
  await waitFor(() => lst.peers[0].text.split('MESSAGE sip:').length === 3, 2_000, 'second request');
  assert.equal(lst.peers.length, 1);
  await lst.close();
});

test('dialing a closed port reports the error to the sender', async (ctx) => {
  const t = await SipTransport.listen({ host: '127.0.0.1', port: 0 });
  ctx.after(() => t.close());
  const lst = await tcpListener();
  const port = lst.port;
  await lst.close();
  const req = (parseSipMessage(Buffer.from(MESSAGE_KEEPALIVE)) as { message: SipMessage }).message;
  const opened: string[] = [];
  const closed: string[] = [];
  t.onConnectionOpen((i) => opened.push(i.connectionId));
  t.onConnectionClose((_i, reason) => closed.push(reason));
  const errors: Error[] = [];
  t.send(req, { transport: 'tcp', address: '127.0.0.1', port }, (e) => errors.push(e));
  await waitFor(() => errors.length > 0 && closed.length > 0, 3_000, 'the send error and the close');
  assert.equal(errors.length, 1, 'the sender hears of it once');
  assert.ok(errors[0] instanceof Error);
  assert.equal(t.stats.sendErrors, 1);
  assert.deepEqual(closed, ['connect-failed']);
  assert.deepEqual(opened, [], 'never reported as open');
  assert.deepEqual(t.connections(), [], 'the failed connection is not kept');
});

test('a throwing listener does not stop other listeners or the transport; close is idempotent', async (ctx) => {
  const { t, got } = await answeringTransport(ctx);
  t.onMessage(() => {
    throw new Error('handler bug');
  });
  const udp = await UdpPeer.open();
  ctx.after(() => udp.close());
  udp.send(good(1), t.port);
  udp.send(good(2), t.port);
  await udp.nth(1);
  assert.equal(got.length, 2);
  assert.equal(getTopVia(got[1][0].headers)!.received, '127.0.0.1');
  await Promise.all([t.close(), t.close()]);
  await t.close();
  const errors: Error[] = [];
  t.send(got[0][0], got[0][1], (e) => errors.push(e));
  assert.equal(errors.length, 1);
});
