// Issue #20 points 1 and 2 over the wire, against the real gateway with a simulated device at
// 127.0.0.1 and an attacker at 127.0.0.2 (Linux routes all of 127/8 to loopback).
//  1. Address takeover: one unauthenticated keepalive MESSAGE naming the device, sent from the
//     attacker, must not move the device's binding: the next live INVITE and a PTZ command still
//     go to the device, and the attacker receives nothing.
//  2. Enumeration: every request an attacker can send naming a device ID (MESSAGE keepalive and
//     others, NOTIFY, INFO, BYE outside a dialog, SUBSCRIBE, OPTIONS, REGISTER) is answered the
//     same for a registered ID as for an unknown one: same status, same reason, same header names.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  SipTransport,
  SipUserAgent,
  type SipRemote,
  type SipRequest,
  type SipResponse,
} from '../../gateway/sip/index.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';
import { REALM, SERVER_URI } from '../helpers/sip-peer.js';

const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
const UNKNOWN = '34020000001180000777';
const ATTACKER_IP = '127.0.0.2';

let h: Harness;
let attacker: SipUserAgent;
/** Requests the gateway sent to the attacker's socket. */
const stolen: SipRequest[] = [];

before(async () => {
  h = await startHarness({ simulator: { devices: 1, channels: 2 } });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  await h.waitForChannels(DEVICE, 2);
  const transport = await SipTransport.listen({ host: ATTACKER_IP, port: 0 });
  attacker = new SipUserAgent({ transport, localId: UNKNOWN, domain: REALM, publicHost: ATTACKER_IP });
  attacker.onRequest((req, tx) => {
    stolen.push(req);
    tx.respond(200);
  });
});
after(async () => {
  await attacker?.close();
  await attacker?.transport.close();
  await h?.close();
});

const gateway = (): SipRemote => ({ transport: 'udp', address: '127.0.0.1', port: h.gw.sipPort });

function keepaliveBody(deviceId: string, sn: number): string {
  return (
    '<?xml version="1.0" encoding="GB2312"?>\r\n<Notify>\r\n<CmdType>Keepalive</CmdType>\r\n' +
    `<SN>${sn}</SN>\r\n<DeviceID>${deviceId}</DeviceID>\r\n<Status>OK</Status>\r\n</Notify>\r\n`
  );
}

/** A request from the attacker's socket claiming to come from `deviceId`. */
function forged(deviceId: string, method: string, body?: string, headers: [string, string][] = []) {
  return attacker.request(
    attacker.createRequest({
      method,
      requestUri: SERVER_URI,
      to: method === 'REGISTER' ? `sip:${deviceId}@${REALM}` : SERVER_URI,
      from: `sip:${deviceId}@${REALM}`,
      contact: method === 'REGISTER' || method === 'SUBSCRIBE' ? undefined : false,
      headers,
      ...(body === undefined ? {} : { body, contentType: 'Application/MANSCDP+xml' }),
    }),
    gateway(),
  );
}

test('a forged keepalive from another address gets 404 and leaves the binding where the device registered', async () => {
  const before = h.gw.upper.sessions.get(DEVICE)!;
  const bound = { ...before.remote };
  assert.equal(bound.address, '127.0.0.1');
  const lastKeepalive = before.lastKeepaliveAt;

  const res = await forged(DEVICE, 'MESSAGE', keepaliveBody(DEVICE, 9001));
  assert.equal(res.status, 404);
  const after = h.gw.upper.sessions.get(DEVICE)!;
  assert.deepEqual(after.remote, bound, 'the binding moved to the forger');
  assert.equal(after.lastKeepaliveAt, lastKeepalive, 'the forged keepalive counted');
  const view = await h.api<{ remoteAddress: string; online: boolean }>(`/api/devices/${DEVICE}`);
  assert.equal(view.body.remoteAddress, `${bound.address}:${bound.port}`);
  assert.equal(view.body.online, true);
});

test('after the forged keepalive, the live INVITE and a PTZ command reach the device; the attacker gets nothing', async () => {
  const live = await h.api<{ streamId: string; codec: { video: string } }>(
    `/api/devices/${DEVICE}/channels/${CHANNEL}/live`,
    { method: 'POST' },
  );
  assert.equal(live.status, 200, JSON.stringify(live.body));
  assert.equal(live.body.codec.video, 'H264', 'the real device answered the INVITE');

  const ptz: string[] = [];
  h.sim.devices[0].platform.on('ptz', (p) => ptz.push(`${p.channelId}:${p.command.type}`));
  const move = await h.api(`/api/devices/${DEVICE}/channels/${CHANNEL}/ptz`, {
    method: 'POST',
    body: JSON.stringify({ command: 'left', speed: 64 }),
  });
  assert.equal(move.status, 200, JSON.stringify(move.body));
  await waitFor(() => ptz.length > 0, 5_000, 'the device to receive the PTZ command');
  assert.deepEqual(ptz, [`${CHANNEL}:move`]);
  assert.deepEqual(
    stolen.map((r) => r.method),
    [],
    'the gateway sent requests to the attacker',
  );
  await h.api(`/api/streams/${live.body.streamId}`, { method: 'DELETE' });
});

/** What a prober can compare: status, reason and the header names (values are random or echoed). */
function shape(res: SipResponse): string {
  const names = [...new Set(res.headers.entries().map((e) => e.name.toLowerCase()))].sort();
  return `${res.status} ${res.reason} [${names.join(',')}]`;
}

test('every probe naming a registered ID is answered exactly as the same probe naming an unknown ID', async (t) => {
  const probes: [string, (id: string) => Promise<SipResponse>][] = [
    ['MESSAGE keepalive', (id) => forged(id, 'MESSAGE', keepaliveBody(id, 1))],
    [
      'MESSAGE DeviceInfo response',
      (id) =>
        forged(
          id,
          'MESSAGE',
          `<?xml version="1.0"?>\r\n<Response>\r\n<CmdType>DeviceInfo</CmdType>\r\n<SN>1</SN>\r\n<DeviceID>${id}</DeviceID>\r\n<Result>OK</Result>\r\n</Response>\r\n`,
        ),
    ],
    ['MESSAGE empty body', (id) => forged(id, 'MESSAGE')],
    [
      'NOTIFY catalog',
      (id) =>
        forged(
          id,
          'NOTIFY',
          `<?xml version="1.0"?>\r\n<Notify>\r\n<CmdType>Catalog</CmdType>\r\n<SN>1</SN>\r\n<DeviceID>${id}</DeviceID>\r\n<SumNum>0</SumNum>\r\n</Notify>\r\n`,
          [
            ['Event', 'Catalog'],
            ['Subscription-State', 'active'],
          ],
        ),
    ],
    ['INFO', (id) => forged(id, 'INFO', 'PLAY RTSP/1.0\r\nCSeq: 1\r\n')],
    ['BYE outside a dialog', (id) => forged(id, 'BYE')],
    ['SUBSCRIBE', (id) => forged(id, 'SUBSCRIBE', undefined, [['Event', 'Catalog']])],
    ['OPTIONS', (id) => forged(id, 'OPTIONS')],
    ['REGISTER without credentials', (id) => forged(id, 'REGISTER', undefined, [['Expires', '3600']])],
  ];
  const differences: string[] = [];
  for (const [name, probe] of probes) {
    const registered = shape(await probe(DEVICE));
    const unknown = shape(await probe(UNKNOWN));
    t.diagnostic(`${name}: ${registered}`);
    if (registered !== unknown) {
      differences.push(`${name}: registered → ${registered}; unknown → ${unknown}`);
    }
  }
  assert.deepEqual(differences, [], 'answers that tell a registered ID from an unknown one');
  assert.equal(h.gw.upper.sessions.get(DEVICE)?.remote.address, '127.0.0.1');

  // Timing, for the report: interleaved keepalive probes, median round trip of each kind.
  const times: Record<'registered' | 'unknown', number[]> = { registered: [], unknown: [] };
  for (let i = 0; i < 100; i++) {
    for (const [kind, id] of [
      ['registered', DEVICE],
      ['unknown', UNKNOWN],
    ] as const) {
      const t0 = process.hrtime.bigint();
      await forged(id, 'MESSAGE', keepaliveBody(id, i));
      times[kind].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  t.diagnostic(
    `keepalive probe round trip, median of 100: registered ${median(times.registered).toFixed(3)} ms, unknown ${median(times.unknown).toFixed(3)} ms`,
  );
});
