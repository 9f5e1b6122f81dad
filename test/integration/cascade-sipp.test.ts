// The cascade checked against a SIP implementation that is not ours: sipp plays the UPPER
// platform (test/sipp/cascade-upper.xml) and the gateway, with a simulator behind it, is its
// lower platform, over UDP and over TCP. sipp challenges our REGISTER and verifies the digest with
// its own code, queries Catalog/DeviceInfo/RecordInfo, subscribes to the catalog, sends PTZ, and
// INVITEs a shared channel (media over UDP, or TCP with the gateway dialing, a=setup:passive) and
// one that is not shared. The test reads sipp's message trace for our answers and receives the
// PS/RTP itself on the port sipp offered.
//
// Skipped only when sipp is not installed and CI is unset; under CI a missing sipp fails.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseRtp } from '../../codecs/rtp/packet.js';
import { Rfc4571Framer } from '../../codecs/rtp/tcp-framing.js';
import { epochSecondsToGbTime } from '../../gateway/gb28181/gb-date.js';
import type { ShareEntry } from '../../gateway/store/cascade-store.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';
import { repoRoot } from '../helpers/paths.js';
import { A_ID, SIM, channel } from '../helpers/cascade-pair.js';
import { REALM } from '../helpers/sip-peer.js';
import { freePort, portInUse } from '../helpers/ports.js';
import { SIPP, runSipp, tracedMessages, type SippRun } from '../helpers/sipp.js';

const UPPER = '34020000002000000077';
const PASSWORD = 'sipp-upper-4711';
const GROUP = '34020000002150000001';
const ORG = '34020000002160000001';
const SHARES: ShareEntry[] = [
  { type: 'group', id: GROUP, name: '治安监控' },
  { type: 'organisation', id: ORG, name: '东区', parentId: GROUP },
  { type: 'channel', deviceId: SIM, channelId: channel(1), parentId: ORG },
  { type: 'channel', deviceId: SIM, channelId: channel(3) },
];

const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
const items = (xml: string) =>
  [...xml.matchAll(/<Item>([\s\S]*?)<\/Item>/g)].map((m) => ({
    id: tag(m[1], 'DeviceID'),
    name: tag(m[1], 'Name'),
    parentId: tag(m[1], 'ParentID'),
    group: tag(m[1], 'BusinessGroupID'),
    event: tag(m[1], 'Event'),
  }));

/** Receives what the gateway sends to the offered m= port: UDP datagrams or RFC 4571 over TCP. */
async function mediaReceiver(transport: 'udp' | 'tcp', port: number) {
  const packets: ReturnType<typeof parseRtp>[] = [];
  if (transport === 'udp') {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (m) => packets.push(parseRtp(new Uint8Array(m))));
    await new Promise<void>((r) => socket.bind(port, '127.0.0.1', () => r()));
    return { packets, close: () => socket.close() };
  }
  const server = net.createServer((sock) => {
    const framer = new Rfc4571Framer();
    sock.on('data', (d) => {
      for (const p of framer.push(new Uint8Array(d))) {
        packets.push(parseRtp(p));
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { packets, close: () => server.close() };
}

for (const transport of ['udp', 'tcp'] as const) {
  describe(
    `sipp as our upper platform over ${transport.toUpperCase()}`,
    { skip: !SIPP && !process.env.CI ? 'sipp is not installed' : false },
    () => {
      let h: Harness;
      let sipp: SippRun | undefined;
      let work: string;
      let media: Awaited<ReturnType<typeof mediaReceiver>>;
      let range: { start: number; end: number };
      const logs = { errors: '', messages: '' };

      before(async () => {
        assert.ok(SIPP, 'sipp is required under CI (Debian package sip-tester)');
        h = await startHarness({ gateway: { 'idle-stop': 1 } });
        assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
        await waitFor(
          async () => (await h.api<unknown[]>(`/api/devices/${SIM}/channels`)).body.length === 4,
          10_000,
          "the simulator's catalog on the gateway",
        );
        work = mkdtempSync(join(tmpdir(), `gb-cascade-sipp-${transport}-`));
        logs.errors = join(work, 'errors.log');
        logs.messages = join(work, 'messages.log');
        const scenario = join(work, 'cascade-upper.xml');
        writeFileSync(
          scenario,
          readFileSync(join(repoRoot, 'test', 'sipp', 'cascade-upper.xml'), 'utf8')
            .replaceAll('@MEDIA_PROTO@', transport === 'udp' ? 'RTP/AVP' : 'TCP/RTP/AVP')
            // TCP: we listen (passive), so the gateway dials us (docs/gb28181.md §7.2).
            .replaceAll(
              '@MEDIA_SETUP@',
              transport === 'udp' ? 'a=connection:new' : 'a=setup:passive\n      a=connection:new',
            ),
        );
        const sippPort = await freePort();
        const rtpPort = await freePort();
        media = await mediaReceiver(transport, rtpPort);
        const endSec = Math.floor(Date.now() / 1000) - 60;
        range = { start: (endSec - 6 * 3600) * 1000, end: endSec * 1000 };
        const keys: Record<string, string> = {
          upper: UPPER,
          realm: REALM,
          aid: A_ID,
          password: PASSWORD,
          ch: channel(1),
          ptzch: channel(3),
          nch: channel(2),
          rtp_port: String(rtpPort),
          start: epochSecondsToGbTime(range.start / 1000),
          end: epochSecondsToGbTime(range.end / 1000),
        };
        const args = [
          '-sf',
          scenario,
          '-t',
          transport === 'udp' ? 'u1' : 't1',
          '-i',
          '127.0.0.1',
          '-p',
          String(sippPort),
          ...Object.entries(keys).flatMap(([k, v]) => ['-key', k, v]),
          '-timeout',
          '60s',
          '-nostdin',
          '-trace_err',
          '-error_file',
          logs.errors,
          '-trace_msg',
          '-message_file',
          logs.messages,
        ];
        sipp = runSipp(SIPP, args, work);
        await waitFor(() => portInUse(sippPort, transport), 5_000, 'sipp to bind its port');
        // Added through the API once the simulator's channels are known, so the first catalog is whole.
        const created = await h.api(`/api/upper-platforms`, {
          method: 'POST',
          body: JSON.stringify({
            id: UPPER,
            host: '127.0.0.1',
            port: sippPort,
            transport,
            password: PASSWORD,
            keepaliveIntervalSec: 1,
            registerTimeoutSec: 2,
            shares: SHARES,
          }),
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
      });

      after(async () => {
        await sipp?.stop();
        media?.close();
        await h?.close();
        if (work) {
          rmSync(work, { recursive: true, force: true });
        }
      });

      test("sipp's scenario completes: digest verified by sipp, every answer as it expects, 404 for the unshared channel", async () => {
        let timer: NodeJS.Timeout | undefined;
        const code = await Promise.race([
          sipp!.exit,
          new Promise((r) => (timer = setTimeout(() => r('timeout'), 45_000))),
        ]);
        clearTimeout(timer);
        const errors = existsSync(logs.errors) ? readFileSync(logs.errors, 'latin1') : '';
        // 97 = stopped by the scenario's own stop_now, which only the upper's call reaches after
        // its last check; a failed check aborts that call and sipp would run into -timeout.
        assert.equal(code, 97, errors.slice(0, 3000));
        assert.doesNotMatch(errors, /Aborting call|Failed regexp|unexpected/i, errors);
        const wire = tracedMessages(logs.messages);
        const registers = wire.filter((m) => m.direction === 'received' && m.text.startsWith('REGISTER'));
        assert.equal(registers.length, 2);
        assert.match(
          registers[1].text,
          /\nAuthorization: Digest username="34020000002000000001", realm="3402000000"/,
        );
        assert.ok(
          wire.some(
            (m) =>
              m.direction === 'received' && /^SIP\/2\.0 404/.test(m.text) && /CSeq: 203 INVITE/.test(m.text),
          ),
        );
      });

      test('the Catalog answer pages carry the 4 shared items (directory first) with the query SN and SumNum 4', () => {
        const pages = tracedMessages(logs.messages).filter(
          (m) => m.direction === 'received' && /<Response>[\s\S]*<CmdType>Catalog<\/CmdType>/.test(m.text),
        );
        assert.ok(pages.length >= 2, `${pages.length} pages`);
        for (const p of pages) {
          assert.equal(tag(p.text, 'SN'), '7001');
          assert.equal(tag(p.text, 'SumNum'), '4');
          assert.match(p.text, /encoding="GB2312"/);
        }
        const all = pages.flatMap((p) => items(p.text));
        assert.deepEqual(
          all.map((i) => [i.id, i.name, i.parentId, i.group]),
          [
            [GROUP, '治安监控', A_ID, undefined],
            [ORG, '东区', GROUP, GROUP],
            [channel(1), '模拟通道1', ORG, GROUP],
            [channel(3), '模拟通道3', A_ID, undefined],
          ],
        );
      });

      test('the catalog SUBSCRIBE is answered with NOTIFYs in its dialog carrying the items as ADD', () => {
        const notifies = tracedMessages(logs.messages).filter(
          (m) => m.direction === 'received' && m.text.startsWith('NOTIFY'),
        );
        assert.ok(notifies.length >= 2);
        for (const n of notifies) {
          assert.match(n.text, /\nEvent: Catalog;id=4862\r?\n/);
          assert.match(n.text, /\nFrom: [^\n]*;tag=/);
        }
        const events = notifies.flatMap((n) => items(n.text));
        assert.deepEqual(
          events.map((e) => [e.id, e.event]),
          [GROUP, ORG, channel(1), channel(3)].map((id) => [id, 'ADD']),
        );
      });

      test("DeviceInfo and RecordInfo are answered; the records are the simulator's", () => {
        const wire = tracedMessages(logs.messages).filter((m) => m.direction === 'received');
        const info = wire.find(
          (m) => /<CmdType>DeviceInfo<\/CmdType>/.test(m.text) && tag(m.text, 'SN') === '7002',
        );
        assert.equal(tag(info?.text ?? '', 'DeviceName'), 'gb28181-gateway');
        const pages = wire.filter(
          (m) => /<CmdType>RecordInfo<\/CmdType>/.test(m.text) && tag(m.text, 'SN') === '7004',
        );
        const truth = h.sim.device(SIM)!.backend.records(channel(1), range.start, range.end);
        assert.ok(truth.length >= 5);
        assert.ok(pages.every((p) => tag(p.text, 'SumNum') === String(truth.length)));
        const got = pages.flatMap((p) => items(p.text)).map((i) => i.id);
        assert.equal(got.length, truth.length);
        assert.ok(got.every((id) => id === channel(1)));
      });

      test('the PTZ commands moved the simulated camera right and stopped it', () => {
        const head = h.sim.device(SIM)!.backend.ptzState(channel(3))!.snapshot();
        assert.ok(head.pan > 0, `pan ${head.pan}`);
        assert.equal(head.moving, false);
      });

      test('the live INVITE was answered with y= echoed, and PS/RTP with SSRC 0x0BEBC201 reached the offered port', async () => {
        const answer = tracedMessages(logs.messages).find(
          (m) =>
            m.direction === 'received' && /^SIP\/2\.0 200/.test(m.text) && /CSeq: 201 INVITE/.test(m.text),
        )!.text;
        if (transport === 'tcp') {
          // The offer's passive side listens, so we dial it: a=setup:active (RFC 4145; docs/gb28181.md §7.2).
          assert.match(answer, /\nm=video \d+ TCP\/RTP\/AVP 96\r?\n/);
          assert.match(answer, /\na=setup:active\r?\n/);
        } else {
          assert.match(answer, /\nm=video \d+ RTP\/AVP 96\r?\n/);
        }
        const rtp = media.packets.filter((p) => p !== undefined);
        assert.ok(rtp.length >= 30, `${rtp.length} RTP packets`);
        assert.equal(media.packets.length, rtp.length, 'every packet parses as RTP');
        assert.ok(rtp.every((p) => p.ssrc === 0x0bebc201 && p.payloadType === 96));
        const packs = rtp.filter(
          (p) => p.payload[0] === 0 && p.payload[1] === 0 && p.payload[2] === 1 && p.payload[3] === 0xba,
        );
        assert.ok(packs.length >= 10, `${packs.length} packets start a PS pack`);
        // sipp's BYE ended our dialog; nobody else watches, so the camera stream stops too.
        const link = await h.api<{ status: { streams: number; keepalive: { answered: number } } }>(
          `/api/upper-platforms/${UPPER}`,
        );
        assert.equal(link.body.status.streams, 0);
        assert.ok(link.body.status.keepalive.answered >= 1, 'sipp answered keepalives');
        await waitFor(
          () => h.sim.device(SIM)!.platform.sessions.length === 0,
          5_000,
          'the camera stream to stop',
        );
      });
    },
  );
}
