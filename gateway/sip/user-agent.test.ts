// Two SipUserAgents on loopback: a gateway (upper platform) and a device (lower platform), doing
// the reference flows: REGISTER → 401 → REGISTER with Authorization → 200 (§1.1), a MESSAGE from the
// gateway back over the device's own connection (§1.5), and INVITE/200/ACK/BYE (§7).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { answerDigestChallenge, DigestServer } from './digest.js';
import { createInDialogRequest, dialogAsUac, dialogAsUas, DialogTable, type Dialog } from './dialog.js';
import { getTopVia, parseCSeq, parseNameAddr } from './headers.js';
import type { SipRemote, SipTransportKind } from './remote.js';
import { SipTransport } from './transport.js';
import { SipUserAgent } from './user-agent.js';
import { waitFor } from '../../test/helpers/wait.js';
import { parseSipMessage, serializeSipMessage, type SipRequest, type SipResponse } from './message.js';
import { ACK_2XX, INVITE_LIVE, INVITE_OK_200 } from './fixtures/reference-messages.js';

const GATEWAY_ID = '34020000002000000001';
const DEVICE_ID = '34020000001180000001';
const DOMAIN = '3402000000';
const PASSWORD = '12345678';
const timers = { t1Ms: 50, t2Ms: 400, t4Ms: 100 };

async function pair(ctx: TestContext): Promise<{ gw: SipUserAgent; dev: SipUserAgent }> {
  const gwT = await SipTransport.listen({ host: '127.0.0.1', port: 0 });
  const devT = await SipTransport.listen({ host: '127.0.0.1', port: 0 });
  const gw = new SipUserAgent({
    transport: gwT,
    localId: GATEWAY_ID,
    domain: DOMAIN,
    publicHost: '127.0.0.1',
    timers,
    userAgent: 'gw',
  });
  const dev = new SipUserAgent({
    transport: devT,
    localId: DEVICE_ID,
    domain: DOMAIN,
    publicHost: '127.0.0.1',
    timers,
    userAgent: 'Embedded Net DVR/NVR/DVS',
  });
  ctx.after(async () => {
    await Promise.all([gw.close(), dev.close()]);
    await Promise.all([gwT.close(), devT.close()]);
  });
  return { gw, dev };
}

/** The gateway's registrar, reduced to the digest exchange; records where the device was seen. */
function registrar(gw: SipUserAgent): { seen: { req: SipRequest; remote: SipRemote }[] } {
  const digest = new DigestServer({ realm: DOMAIN });
  const seen: { req: SipRequest; remote: SipRemote }[] = [];
  gw.onRequest((req, tx) => {
    seen.push({ req, remote: tx.remote });
    if (req.method !== 'REGISTER') {
      return void tx.respond(200);
    }
    const authorization = req.headers.get('authorization');
    if (!authorization) {
      return void tx.respond(401, undefined, { headers: [['WWW-Authenticate', digest.challenge()]] });
    }
    const identity = parseNameAddr(req.headers.get('from')!)!.uri.slice(4).split('@')[0];
    const r = digest.verify({ method: 'REGISTER', authorization, password: PASSWORD, identity });
    if (!r.ok) {
      return void tx.respond(
        r.stale ? 401 : 403,
        undefined,
        r.stale ? { headers: [['WWW-Authenticate', digest.challenge({ stale: true })]] } : {},
      );
    }
    tx.respond(200, undefined, {
      headers: [
        ['Contact', req.headers.get('contact')!],
        ['Expires', req.headers.get('expires') ?? '3600'],
        ['Date', '2025-04-22T10:48:38.234'],
      ],
    });
  });
  return { seen };
}

async function register(dev: SipUserAgent, gwPort: number, transport: SipTransportKind, password = PASSWORD) {
  const remote: SipRemote = { transport, address: '127.0.0.1', port: gwPort };
  const first = dev.createRequest({
    method: 'REGISTER',
    requestUri: `sip:${GATEWAY_ID}@${DOMAIN}`,
    to: `sip:${DEVICE_ID}@${DOMAIN}`,
    from: `sip:${DEVICE_ID}@${DOMAIN}`,
    headers: [['Expires', '3600']],
    transport,
  });
  const challenge = await dev.request(first, remote);
  const authorization = answerDigestChallenge(challenge.headers.get('www-authenticate') ?? '', {
    username: DEVICE_ID,
    password,
    method: 'REGISTER',
    uri: `sip:${GATEWAY_ID}@${DOMAIN}`,
  });
  const second = dev.createFollowUp(first, [['Authorization', authorization ?? '']]);
  const final = await dev.request(second, remote);
  return { first, challenge, second, final };
}

for (const transport of ['udp', 'tcp'] as const) {
  test(`REGISTER → 401 → REGISTER with Authorization → 200 over ${transport.toUpperCase()}`, async (ctx) => {
    const { gw, dev } = await pair(ctx);
    const { seen } = registrar(gw);
    const { first, challenge, second, final } = await register(dev, gw.transport.port, transport);
    assert.equal(challenge.status, 401);
    assert.match(
      challenge.headers.get('www-authenticate')!,
      /^Digest realm="3402000000", nonce="[0-9a-f]{56}", algorithm=MD5$/,
    );
    assert.equal(final.status, 200);
    assert.equal(final.headers.get('date'), '2025-04-22T10:48:38.234');
    // A UAC names itself in User-Agent, a UAS in Server (RFC 3261 §20.41, §20.35).
    assert.equal(seen.length > 0 ? seen[0].req.headers.get('user-agent') : '', 'Embedded Net DVR/NVR/DVS');
    assert.equal(final.headers.get('server'), 'gw');
    assert.equal(final.headers.get('user-agent'), undefined);
    // §1.1 step 3: same Call-ID and From tag, CSeq + 1, new branch.
    assert.equal(second.headers.get('call-id'), first.headers.get('call-id'));
    assert.equal(second.headers.get('from'), first.headers.get('from'));
    assert.deepEqual(parseCSeq(second.headers.get('cseq')!), { seq: 2, method: 'REGISTER' });
    assert.notEqual(getTopVia(second.headers)!.branch, getTopVia(first.headers)!.branch);
    // The gateway saw the device at its source address; over TCP both REGISTERs used one connection.
    assert.equal(seen.length, 2);
    assert.equal(seen[1].remote.port, seen[0].remote.port);
    if (transport === 'tcp') {
      assert.ok(seen[0].remote.connectionId);
      assert.equal(seen[1].remote.connectionId, seen[0].remote.connectionId);
      assert.equal(gw.transport.connections().length, 1);
    } else {
      assert.equal(seen[0].remote.port, dev.transport.port);
    }
    assert.equal(getTopVia(seen[1].req.headers)!.received, '127.0.0.1');

    // §1.5: the gateway's next request goes to where the device was seen, on its own connection.
    const devSeen: SipRemote[] = [];
    dev.onRequest((_req, tx) => {
      devSeen.push(tx.remote);
      tx.respond(200);
    });
    const query = gw.createRequest({
      method: 'MESSAGE',
      requestUri: `sip:${DEVICE_ID}@127.0.0.1:${seen[1].remote.port}`,
      to: `sip:${DEVICE_ID}@${DOMAIN}`,
      body: '<Query/>',
      contentType: 'Application/MANSCDP+xml',
    });
    assert.equal((await gw.request(query, seen[1].remote)).status, 200);
    if (transport === 'tcp') {
      assert.equal(gw.transport.connections().length, 1);
      assert.equal(dev.transport.connections().length, 1);
      assert.equal(devSeen[0].connectionId, dev.transport.connections()[0].connectionId);
    }
  });
}

test('REGISTER with a wrong password ends in 403', async (ctx) => {
  const { gw, dev } = await pair(ctx);
  registrar(gw);
  const { final } = await register(dev, gw.transport.port, 'udp', 'wrong');
  assert.equal(final.status, 403);
});

for (const transport of ['udp', 'tcp'] as const) {
  test(`INVITE / 200 / ACK / BYE dialog over ${transport.toUpperCase()}, hung up by either side`, async (ctx) => {
    const { gw, dev } = await pair(ctx);
    const devDialogs = new DialogTable();
    const devLog: string[] = [];
    dev.onRequest((req, tx) => {
      devLog.push(req.method);
      if (req.method === 'INVITE') {
        const res = tx.respond(200, undefined, {
          body: 'v=0\r\ny=0200000001\r\n',
          contentType: 'application/sdp',
        })!;
        devDialogs.add(dialogAsUas(req, res, tx.remote)!);
        return;
      }
      const match = devDialogs.match(req);
      if (!match) {
        return void tx.respond(481);
      }
      tx.respond(200);
      if (req.method === 'BYE') {
        devDialogs.remove(match.dialog);
      }
    });
    const devAcks: SipRequest[] = [];
    dev.onAck((ack) => devAcks.push(ack));
    const gwLog: string[] = [];
    gw.onRequest((req, tx) => {
      gwLog.push(req.method);
      tx.respond(200);
    });

    const devRemote: SipRemote = { transport, address: '127.0.0.1', port: dev.transport.port };
    const call = async (): Promise<Dialog> => {
      const invite = gw.createRequest({
        method: 'INVITE',
        requestUri: `sip:34020000001310000001@127.0.0.1:${dev.transport.port}`,
        to: `sip:34020000001310000001@127.0.0.1:${dev.transport.port}`,
        headers: [['Subject', '34020000001310000001:0200000001,34020000002000000001:0']],
        body: 'v=0\r\ns=Play\r\ny=0200000001\r\n',
        contentType: 'APPLICATION/SDP',
        cseq: 50,
      });
      const ok = await gw.request(invite, devRemote);
      assert.equal(ok.status, 200);
      assert.match(new TextDecoder().decode(ok.body), /y=0200000001/);
      const ack = gw.sendAck(invite, ok, devRemote);
      assert.deepEqual(parseCSeq(ack.headers.get('cseq')!), { seq: 50, method: 'ACK' });
      assert.equal(ack.uri, dev.contactUri(transport)); // the 2xx Contact is the remote target
      await waitFor(() => devAcks.length > 0);
      return dialogAsUac(invite, ok, devRemote)!;
    };

    // The gateway hangs up.
    const d1 = await call();
    assert.equal(devDialogs.size, 1);
    const bye = createInDialogRequest(d1, 'BYE');
    assert.deepEqual(parseCSeq(bye.headers.get('cseq')!), { seq: 51, method: 'BYE' });
    assert.equal((await gw.request(bye, d1.remote)).status, 200);
    assert.equal(devDialogs.size, 0);
    // A second BYE names a dialog that no longer exists.
    assert.equal((await gw.request(createInDialogRequest(d1, 'BYE'), d1.remote)).status, 481);

    // The device hangs up: its From/To are the gateway's To/From, with its own CSeq space.
    devAcks.length = 0;
    const gwDialog = await call();
    const d2 = [...devDialogs.values()][0];
    const devBye = createInDialogRequest(d2, 'BYE');
    assert.equal(parseNameAddr(devBye.headers.get('to')!)!.tag, gwDialog.localTag);
    assert.equal(parseNameAddr(devBye.headers.get('from')!)!.tag, gwDialog.remoteTag);
    assert.deepEqual(parseCSeq(devBye.headers.get('cseq')!), { seq: 1, method: 'BYE' });
    // The INVITE's Contact, at the address the gateway was seen at (its connection's port over TCP).
    assert.equal(
      devBye.uri,
      `sip:${GATEWAY_ID}@127.0.0.1:${d2.remote.port}${transport === 'tcp' ? ';transport=tcp' : ''}`,
    );
    assert.equal((await dev.request(devBye, d2.remote)).status, 200);
    assert.deepEqual(devLog, ['INVITE', 'BYE', 'BYE', 'INVITE']);
    assert.deepEqual(gwLog, ['BYE']);
  });
}

test('sendAck reproduces the reference ACK (§7.3) apart from its fresh branch', async (ctx) => {
  const transport = await SipTransport.listen({ host: '127.0.0.1', port: 0 });
  const ua = new SipUserAgent({
    transport,
    localId: GATEWAY_ID,
    domain: DOMAIN,
    publicHost: '10.0.0.10',
    publicPort: 5060,
    timers,
  });
  ctx.after(async () => {
    await ua.close();
    await transport.close();
  });
  const parse = (t: string) => {
    const r = parseSipMessage(new TextEncoder().encode(t));
    return r.ok ? r.message : assert.fail(r.detail);
  };
  const invite = parse(INVITE_LIVE) as SipRequest;
  const ok = parse(INVITE_OK_200) as SipResponse;
  // Where the upper platform saw the device: a documentation address, so the datagram goes nowhere.
  const ack = ua.sendAck(invite, ok, { transport: 'udp', address: '203.0.113.7', port: 40211 });
  const branch = getTopVia(ack.headers)!.branch!;
  assert.match(branch, /^z9hG4bK[0-9a-f]{16}$/);
  assert.notEqual(branch, getTopVia(invite.headers)!.branch);
  assert.equal(serializeSipMessage(ack).toString('latin1').replace(branch, 'z9hG4bK91a7c3e5'), ACK_2XX);
});
