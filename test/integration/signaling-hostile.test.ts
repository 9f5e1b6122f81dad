// Bad input at the gateway's SIP port (RFC 3261 §18.3; docs/gb28181.md §0 "Robust XML"): truncated,
// oversized, mis-framed and garbage SIP, and hostile MANSCDP XML (deep nesting, huge SumNum,
// DOCTYPE/ENTITY). Every piece gets an error response or is dropped with a log line, and the
// gateway keeps serving a registered simulator device throughout. The gateway runs as a child
// process so its log lines can be read.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { seededRandom } from '../helpers/random.js';
import { SipPeer } from '../helpers/sip-peer.js';
import { catalogPage, gb2312 } from '../helpers/manscdp-bodies.js';
import { freePort } from '../helpers/ports.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';

const PASSWORD = 'hostile-test-pw';
const SIM_DEVICE = '34020000001180000001';
const ATTACKER = '34020000001180000666';
const BAD_INPUT_LOG = /bad SIP|non-SIP line|unframeable TCP stream|unreadable MANSCDP body/;

const dataDir = mkdtempSync(join(tmpdir(), 'gb-hostile-'));
let gw: GatewayProcess;
let sim: Simulator;
let attacker: SipPeer;
let sipPort: number;
let udp: dgram.Socket;
const udpReplies: string[] = [];

before(async () => {
  sipPort = await freePort();
  gw = await spawnGateway({ dataDir, sipPort, password: PASSWORD, token: 'hostile-test-token-0123456789' });
  sim = await startSimulator({
    server: { host: '127.0.0.1', port: sipPort },
    password: PASSWORD,
    devices: 1,
    channels: 4,
    audio: null,
  });
  assert.equal(await sim.waitForRegistered(1, 15_000), true);
  attacker = await SipPeer.start({ deviceId: ATTACKER, password: PASSWORD, gatewayPort: sipPort });
  assert.equal((await attacker.register()).final.status, 200);
  udp = dgram.createSocket('udp4');
  udp.on('message', (m) => udpReplies.push(m.toString('latin1')));
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  // Let the post-registration catalog of the simulator finish before the junk starts.
  await waitFor(
    async () => (await gw.api<unknown[]>(`/api/devices/${SIM_DEVICE}/channels`)).body.length === 4,
    15_000,
    'the simulator catalog',
  );
});
after(async () => {
  udp?.close();
  await attacker?.close();
  await sim?.close();
  await gw?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const bad = () => gw.logged(BAD_INPUT_LOG).length;

/**
 * Sends, then waits (up to 2 s) for a reply or a bad-input log line, plus a short settle, and
 * reports the status lines that came back and the bad-input log lines written.
 */
async function probe(send: () => void | Promise<void>, replies: string[]) {
  const logsBefore = bad();
  const repliesBefore = replies.length;
  await send();
  // Silence is an outcome too: the probe's assertions read what came back, nothing or not.
  await waitFor(
    () => replies.length > repliesBefore || bad() > logsBefore,
    2000,
    'a reply or a bad-input log line',
  ).catch(() => undefined);
  await sleep(150); // a second reply or log line of the same probe
  const statuses = replies.slice(repliesBefore).map((r) => Number(/^SIP\/2\.0 (\d{3})/.exec(r)?.[1] ?? 0));
  return { statuses, logged: bad() - logsBefore };
}

function udpSend(bytes: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) =>
    udp.send(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes, sipPort, '127.0.0.1', (err) =>
      err ? reject(err) : resolve(),
    ),
  );
}

/** A request head with a usable Via, so the gateway can answer it. */
function head(method: string, branch: string, extra: string[] = []): string {
  return [
    `${method} sip:34020000002000000001@3402000000 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${udp.address().port};rport;branch=z9hG4bK${branch}`,
    `From: <sip:34020000001180000777@3402000000>;tag=junk${branch}`,
    `To: <sip:34020000002000000001@3402000000>`,
    `Call-ID: junk-${branch}`,
    `CSeq: 1 ${method}`,
    'Max-Forwards: 70',
    ...extra,
  ].join('\r\n');
}

test('malformed SIP over UDP gets 400/513 or is dropped with a log line', async () => {
  const rand = seededRandom(28181);
  const cases: [string, Buffer | string][] = [
    ['random bytes', Buffer.from(Array.from({ length: 512 }, () => Math.floor(rand() * 256)))],
    ['NUL bytes', Buffer.alloc(1000)],
    ['truncated start line', 'REGISTER sip:3402000'],
    ['truncated header section (no blank line)', head('OPTIONS', 'trunc1')],
    [
      'truncated inside the Via',
      'OPTIONS sip:34020000002000000001@3402000000 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:',
    ],
    [
      'Content-Length larger than the datagram',
      `${head('MESSAGE', 'cl1', ['Content-Length: 5000'])}\r\n\r\n<Notify></Notify>`,
    ],
    ['Content-Length not a number', `${head('MESSAGE', 'cl2', ['Content-Length: twelve'])}\r\n\r\n<Notify/>`],
    [
      'a bad CSeq',
      head('OPTIONS', 'cseq', ['Content-Length: 0']).replace('CSeq: 1 OPTIONS', 'CSeq: one OPTIONS') +
        '\r\n\r\n',
    ],
    [
      'a 65 000-byte MESSAGE from an unregistered ID',
      `${head('MESSAGE', 'big', ['Content-Type: Application/MANSCDP+xml', 'Content-Length: 64000'])}\r\n\r\n${'x'.repeat(64_000)}`,
    ],
  ];
  const outcomes: Record<string, { statuses: number[]; logged: number }> = {};
  for (const [name, bytes] of cases) {
    outcomes[name] = await probe(() => udpSend(bytes), udpReplies);
  }
  console.log(JSON.stringify(outcomes));
  for (const [name, o] of Object.entries(outcomes)) {
    const answered = o.statuses.length > 0 && o.statuses.every((s) => s >= 400);
    assert.ok(answered || (o.statuses.length === 0 && o.logged > 0), `${name}: ${JSON.stringify(o)}`);
  }
  // Where a Via was usable the answer is a SIP error, not silence.
  assert.deepEqual(outcomes['Content-Length larger than the datagram'].statuses, [400]);
  assert.deepEqual(outcomes['a bad CSeq'].statuses, [400]);
  assert.ok(outcomes['a 65 000-byte MESSAGE from an unregistered ID'].statuses[0] >= 400);
});

test('malformed SIP over TCP: an oversized Content-Length gets 513, garbage lines are skipped and the stream resyncs', async () => {
  const replies: string[] = [];
  const sock = net.connect({ host: '127.0.0.1', port: sipPort });
  sock.setEncoding('latin1').on('data', (d: string) => replies.push(...d.split(/(?=SIP\/2\.0 \d{3})/)));
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const port = sock.localPort!;
  const tcpHead = (branch: string, extra: string[]) =>
    head('OPTIONS', branch, extra).replace(
      `SIP/2.0/UDP 127.0.0.1:${udp.address().port}`,
      `SIP/2.0/TCP 127.0.0.1:${port}`,
    );

  const oversized = await probe(
    () => void sock.write(`${tcpHead('t1', ['Content-Length: 1000000'])}\r\n\r\n`),
    replies,
  );
  assert.deepEqual(oversized.statuses, [513], JSON.stringify(oversized));
  // The declared body is skipped as it arrives; send it, so the stream is back in step.
  await new Promise<void>((r) => sock.write(Buffer.alloc(1_000_000, 0x41), () => r()));
  const garbage = await probe(
    () => void sock.write('this is not SIP\r\n\x00\x01\x02 neither is this\r\n'),
    replies,
  );
  assert.equal(garbage.statuses.length, 0);
  assert.ok(garbage.logged > 0, 'garbage lines are logged');
  const valid = await probe(
    () => void sock.write(`${tcpHead('t2', ['Content-Length: 0'])}\r\n\r\n`),
    replies,
  );
  assert.deepEqual(valid.statuses, [200], 'a valid request after the junk is served on the same connection');
  sock.destroy();
});

test('hostile MANSCDP XML from a registered device is answered 200, refused by the parser with a log line, and stores nothing', async () => {
  const xml = (inner: string) => gb2312(`<?xml version="1.0" encoding="GB2312"?>\r\n${inner}`);
  const cases: [string, Buffer][] = [
    [
      'deep nesting',
      xml(
        `<Response><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>${ATTACKER}</DeviceID>${'<a>'.repeat(15_000)}</Response>`,
      ),
    ],
    [
      'billion laughs',
      xml(
        '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">' +
          '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>' +
          `<Response><CmdType>DeviceInfo</CmdType><SN>2</SN><DeviceID>${ATTACKER}</DeviceID><DeviceName>&e;&e;&e;&e;</DeviceName></Response>`,
      ),
    ],
    [
      'external entity',
      xml(
        `<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Response><CmdType>DeviceInfo</CmdType><SN>3</SN><DeviceID>${ATTACKER}</DeviceID><DeviceName>&x;</DeviceName></Response>`,
      ),
    ],
    [
      'SumNum beyond any catalog',
      catalogPage(ATTACKER, '4', 99_999_999_999, [{ id: '34020000001310000666', name: 'x' }]).subarray(0),
    ],
    [
      'SumNum over 15 digits',
      Buffer.from(
        catalogPage(ATTACKER, '5', 1, [{ id: '34020000001310000667', name: 'y' }])
          .toString('latin1')
          .replace('<SumNum>1<', `<SumNum>${'9'.repeat(40)}<`),
        'latin1',
      ),
    ],
  ];
  for (const [name, body] of cases) {
    const logsBefore = gw.logged(/unreadable MANSCDP body/).length;
    const res = await attacker.message(body);
    assert.equal(
      res.status,
      200,
      `${name}: every MESSAGE is answered 200 before parsing (docs/gb28181.md §0)`,
    );
    await waitFor(() => gw.logged(/unreadable MANSCDP body/).length > logsBefore, 2000, `${name} logged`);
  }
  const device = await gw.api<{ name: string | null; channelCount: number }>(`/api/devices/${ATTACKER}`);
  assert.equal(device.body.name, null, 'no DeviceInfo was taken from the hostile bodies');
  assert.equal(device.body.channelCount, 0, 'no channel was taken from the hostile bodies');
  // An unregistered sender's DOCTYPE body is refused before anything else (403, not 200).
  const stranger = await SipPeer.start({
    deviceId: '34020000001180000777',
    password: 'x',
    gatewayPort: sipPort,
  });
  try {
    assert.equal((await stranger.message(cases[1][1])).status, 403);
  } finally {
    await stranger.close();
  }
});

test('a pending catalog with a huge but accepted SumNum ends as partial at the quiet timeout', async () => {
  attacker.queries.splice(0); // the post-registration Catalog query is not the one answered here
  const sync = gw.api<{ channelCount: number; complete: boolean }>(`/api/devices/${ATTACKER}/catalog/sync`, {
    method: 'POST',
  });
  const query = await attacker.nextQuery('Catalog');
  // 100 000 is the cap: accepted, so the query waits for pages that never come, then gives up.
  assert.equal(
    (
      await attacker.message(
        catalogPage(ATTACKER, query.sn, 100_000, [{ id: '34020000001310000001', name: '唯一' }]),
      )
    ).status,
    200,
  );
  const t0 = Date.now();
  const result = await sync;
  assert.equal(result.status, 200, JSON.stringify(result.body));
  assert.deepEqual(result.body, { channelCount: 1, complete: false });
  assert.ok(Date.now() - t0 < 8000, 'ended by the quiet timeout, not the overall one');
});

test('after all the junk the gateway still serves the simulator device: online, and a catalog sync completes', async () => {
  assert.equal(gw.child.exitCode, null, 'the gateway process is alive');
  const device = await gw.api<{ online: boolean }>(`/api/devices/${SIM_DEVICE}`);
  assert.equal(device.body.online, true);
  const sync = await gw.api<{ channelCount: number; complete: boolean }>(
    `/api/devices/${SIM_DEVICE}/catalog/sync`,
    { method: 'POST' },
  );
  assert.equal(sync.status, 200, JSON.stringify(sync.body));
  assert.deepEqual(sync.body, { channelCount: 4, complete: true });
  assert.equal((await attacker.keepalive()).status, 200);
});
