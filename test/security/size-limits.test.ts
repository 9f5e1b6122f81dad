// Security: size limits on what outsiders send. SIP: a TCP peer whose header section outgrows the
// 64 KiB message limit is disconnected (the framer holds no more than the limit); MANSCDP XML:
// body length (64 KiB), nesting depth (16), SumNum (100,000), and no DOCTYPE/ENTITY at all;
// HTTP: JSON bodies (16 KiB), WHEP offers (64 KiB), header sections (Node's 16 KiB). Each limit
// is probed just past it and, where a control makes sense, just under it.
// (Content-Length over the SIP limit → 513, and hostile XML sent over SIP by a registered device,
// are in signaling-hostile.test.ts.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { DEFAULT_SUMNUM_CAP, parseManscdp } from '../../gateway/gb28181/manscdp/codec.js';
import { GbErrorCode } from '../../gateway/gb28181/errors.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { SipPeer } from '../helpers/sip-peer.js';

let h: Harness;
before(async () => {
  h = await startHarness({ simulator: { devices: 0 } });
});
after(async () => {
  await h?.close();
});

const xml = (inner: string) => new TextEncoder().encode(`<?xml version="1.0" encoding="UTF-8"?>\r\n${inner}`);
const catalog = (sumNum: string) =>
  xml(
    `<Response><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>34020000001180000001</DeviceID><SumNum>${sumNum}</SumNum><DeviceList Num="0"></DeviceList></Response>`,
  );
const errorOf = (r: ReturnType<typeof parseManscdp>) => (r.ok ? 'ok' : r.error);

test('MANSCDP: body length, nesting depth, SumNum and DOCTYPE limits', () => {
  const keepalive = (pad: number) =>
    xml(
      `<Notify><CmdType>Keepalive</CmdType><SN>1</SN><DeviceID>34020000001180000001</DeviceID><Status>OK</Status><!--${'x'.repeat(pad)}--></Notify>`,
    );
  const base = keepalive(0).length;
  assert.equal(errorOf(parseManscdp(keepalive(65_536 - base))), 'ok', 'control: exactly 64 KiB');
  assert.equal(errorOf(parseManscdp(keepalive(65_537 - base))), GbErrorCode.BODY_TOO_LARGE);

  const nested = (depth: number) =>
    xml(
      `<Notify><CmdType>Keepalive</CmdType><SN>1</SN><DeviceID>34020000001180000001</DeviceID>${'<a>'.repeat(depth - 1)}${'</a>'.repeat(depth - 1)}</Notify>`,
    );
  assert.equal(errorOf(parseManscdp(nested(16))), 'ok', 'control: depth 16');
  assert.equal(errorOf(parseManscdp(nested(17))), GbErrorCode.XML_TOO_DEEP);
  assert.equal(errorOf(parseManscdp(nested(5000))), GbErrorCode.XML_TOO_DEEP);

  assert.equal(
    errorOf(parseManscdp(catalog(String(DEFAULT_SUMNUM_CAP)))),
    'ok',
    'control: SumNum at the cap',
  );
  assert.equal(errorOf(parseManscdp(catalog(String(DEFAULT_SUMNUM_CAP + 1)))), GbErrorCode.SUMNUM_RANGE);
  assert.equal(errorOf(parseManscdp(catalog('99999999999999999999'))), GbErrorCode.SUMNUM_RANGE);

  const laughs = xml(
    '<!DOCTYPE Notify [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Notify><CmdType>&b;</CmdType><SN>1</SN></Notify>',
  );
  assert.equal(errorOf(parseManscdp(laughs)), GbErrorCode.XML_DOCTYPE);
});

test('SIP over TCP: a header section that outgrows 64 KiB gets the connection closed; the gateway serves on', async () => {
  const socket = net.connect(h.gw.sipPort, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  socket.on('error', () => undefined);
  socket.write('MESSAGE sip:34020000002000000001@3402000000 SIP/2.0\r\n');
  const line = `X-Padding: ${'p'.repeat(1000)}\r\n`;
  let sent = 0;
  for (let i = 0; i < 80 && !socket.destroyed; i++) {
    socket.write(line);
    sent += line.length;
  }
  const timeout = new Promise<'open'>((r) => setTimeout(() => r('open'), 5000).unref());
  assert.notEqual(
    await Promise.race([closed.then(() => 'closed' as const), timeout]),
    'open',
    `still open after ${sent} header bytes`,
  );

  const device = await SipPeer.start({
    deviceId: '34020000001180000001',
    gatewayPort: h.gw.sipPort,
    password: h.gw.secrets.password,
  });
  try {
    assert.equal((await device.register()).final.status, 200);
  } finally {
    await device.close();
  }
});

test('HTTP: JSON bodies over 16 KiB, WHEP offers over 64 KiB and oversized header sections are refused', async () => {
  const auth = { Authorization: `Bearer ${h.token}` };
  const ptz = (pad: number) =>
    fetch(`${h.base}/api/devices/34020000001180000001/channels/34020000001310000001/ptz`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ command: 'left', speed: 1, pad: 'x'.repeat(pad) }),
    });
  assert.notEqual((await ptz(10_000)).status, 413, 'control: a 10 KB body is read');
  const big = await ptz(17_000);
  assert.equal(big.status, 413);
  assert.equal(((await big.json()) as { error: { code: string } }).error.code, 'GW_ERR_PAYLOAD_TOO_LARGE');

  const whep = await fetch(`${h.base}/whep/34020000001180000001_34020000001310000001`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/sdp' },
    body: `v=0\r\n${'a=x\r\n'.repeat(14_000)}`,
  });
  // The WHEP router answers an oversized offer with 400 GW_ERR_BAD_SDP naming the limit.
  assert.ok(whep.status === 413 || whep.status === 400, `WHEP: ${whep.status}`);
  assert.match(((await whep.json()) as { error: { message: string } }).error.message, /larger than 65536/);

  const headers = await fetch(`${h.base}/api/health`, { headers: { 'X-Padding': 'h'.repeat(20_000) } }).then(
    (r) => r.status,
    () => 431, // some fetch versions surface the reset instead of the status
  );
  assert.equal(headers, 431);
});
