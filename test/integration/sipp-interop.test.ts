// Interop with an implementation that is not ours: sipp plays a GB/T 28181 lower platform against
// the real gateway, over UDP and over TCP. It registers with sipp's own digest code (-au/-ap),
// keeps alive, answers the Catalog query with three GB2312 Response pages, answers DeviceInfo, and
// answers a live INVITE by replaying GB28181 PS/RTP from a pcap (SSRC 200000001). The gateway must
// end with the device online, its channels stored under their Chinese names, and an H.264 stream.
//
// Skipped only when sipp is not installed and CI is unset; under CI a missing sipp fails.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';
import { repoRoot, vectorsDir } from '../helpers/paths.js';
import { REALM, SERVER_ID } from '../helpers/sip-peer.js';
import { freePort } from '../helpers/ports.js';
import { SIPP, runSipp, type SippRun } from '../helpers/sipp.js';

const PCAP = join(vectorsDir, 'rtp_h264_720p_g711a_seqwrap.pcap');
const CHANNEL_NAMES: Record<string, string> = {
  '34020000001310000001': '大门入口',
  '34020000001310000002': '停车场出口',
  '34020000001310000003': '机房走廊',
};
// RTP/media ports for sipp (-mp uses mp..mp+3): outside the harness's 32000-35999 media ranges.
let mediaPortBase = 37000 + (process.pid % 100) * 20;

interface DeviceView {
  deviceId: string;
  online: boolean;
  transport: string;
  name: string | null;
  lastKeepaliveAt: string | null;
  channelCount: number;
}
interface ChannelView {
  channelId: string;
  name: string;
  status: string;
  address: string | null;
}

/** The answer scenario, GB2312-encoded, with the pcap path filled in (see test/sipp/lower-answer.xml). */
function writeAnswerScenario(dir: string): string {
  const template = readFileSync(join(repoRoot, 'test', 'sipp', 'lower-answer.xml'), 'utf8');
  const path = join(dir, 'lower-answer.gb2312.xml');
  writeFileSync(path, iconv.encode(template.replaceAll('@PCAP@', PCAP), 'gb2312'));
  return path;
}

for (const transport of ['udp', 'tcp'] as const) {
  describe(
    `sipp as a lower platform over ${transport.toUpperCase()}`,
    { skip: !SIPP && !process.env.CI ? 'sipp is not installed' : false },
    () => {
      const deviceId = transport === 'udp' ? '34020000001180000011' : '34020000001180000012';
      let h: Harness;
      let sipp: SippRun | undefined;
      let work: string;
      let errorsLog: string;
      let messagesLog: string;

      before(async () => {
        assert.ok(SIPP, 'sipp is required under CI (Debian package sip-tester)');
        assert.ok(existsSync(PCAP), `missing vector ${PCAP}`);
        // No simulator: sipp is the only lower platform.
        h = await startHarness({ simulator: { devices: 0 } });
        work = mkdtempSync(join(tmpdir(), `gb-sipp-${transport}-`));
        errorsLog = join(work, 'errors.log');
        messagesLog = join(work, 'messages.log');
        const mp = mediaPortBase;
        mediaPortBase += 4;
        const args = [
          `127.0.0.1:${h.gw.sipPort}`,
          '-sf',
          join(repoRoot, 'test', 'sipp', 'lower-register.xml'),
          '-oocsf',
          writeAnswerScenario(work),
          '-s',
          deviceId,
          '-key',
          'server',
          SERVER_ID,
          '-key',
          'realm',
          REALM,
          '-au',
          deviceId,
          '-ap',
          h.gw.secrets.password,
          '-t',
          transport === 'udp' ? 'u1' : 't1',
          '-i',
          '127.0.0.1',
          '-p',
          String(await freePort()),
          '-mi',
          '127.0.0.1',
          '-mp',
          String(mp),
          '-cp',
          String(await freePort()),
          '-d',
          '1000', // keepalive interval
          '-m',
          '1',
          '-timeout',
          '60s',
          '-nostdin',
          '-trace_err',
          '-error_file',
          errorsLog,
          '-trace_msg',
          '-message_file',
          messagesLog,
        ];
        sipp = runSipp(SIPP, args, work);
      });

      after(async () => {
        await sipp?.stop();
        await h?.close();
        if (work) {
          rmSync(work, { recursive: true, force: true });
        }
      });

      test('registers with digest, keeps alive, and sipp saw the GB Date and Expires in the 200', async () => {
        const device = await waitFor(
          async () => {
            const r = await h.api<DeviceView>(`/api/devices/${deviceId}`);
            return r.status === 200 && r.body.online && r.body.lastKeepaliveAt ? r.body : undefined;
          },
          15_000,
          'the sipp device online with a keepalive',
        );
        assert.equal(device.transport, transport);
        // The scenario's check_it regexps abort the call (and log it) on a missing or non-GB Date.
        const errors = existsSync(errorsLog) ? readFileSync(errorsLog, 'latin1') : '';
        assert.doesNotMatch(errors, /Aborting call|Failed regexp|unexpected/i, errors);
        const wire = readFileSync(messagesLog, 'latin1');
        assert.match(wire, /\r?\nDate: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\r?\n/);
      });

      test('the three-page GB2312 catalog is stored with the Chinese names, and DeviceInfo is applied', async () => {
        const channels = await waitFor(
          async () => {
            const r = await h.api<ChannelView[]>(`/api/devices/${deviceId}/channels`);
            return r.status === 200 && r.body.length === 3 ? r.body : undefined;
          },
          15_000,
          'three channels',
        );
        assert.deepEqual(Object.fromEntries(channels.map((c) => [c.channelId, c.name])), CHANNEL_NAMES);
        assert.equal(channels.find((c) => c.channelId === '34020000001310000002')?.address, '东区二号门');
        assert.equal(channels.find((c) => c.channelId === '34020000001310000003')?.status, 'OFF');
        // The names really went out as GB2312 (not UTF-8) bytes: check sipp's own message trace.
        const wire = readFileSync(messagesLog);
        assert.ok(wire.includes(iconv.encode('大门入口', 'gb2312')), 'GB2312 bytes on the wire');
        assert.ok(!wire.includes(Buffer.from('大门入口', 'utf8')), 'no UTF-8 bytes on the wire');
        const device = await waitFor(
          async () => {
            const r = await h.api<DeviceView>(`/api/devices/${deviceId}`);
            return r.body.name ? r.body : undefined;
          },
          15_000,
          'DeviceInfo',
        );
        assert.equal(device.name, '测试录像机');
        assert.equal(device.channelCount, 3);
      });

      test('a live INVITE is answered and the pcap PS/RTP (SSRC 200000001) becomes a 1280x720 H.264 stream; DELETE sends BYE', async () => {
        const live = await h.api<{ streamId: string; codec: { video: string | null }; transport: string }>(
          `/api/devices/${deviceId}/channels/34020000001310000001/live`,
          { method: 'POST' },
        );
        assert.equal(live.status, 200, JSON.stringify(live.body));
        assert.equal(live.body.codec.video, 'H264');
        const stream = await waitFor(
          async () => {
            const r =
              await h.api<
                { streamId: string; width: number | null; height: number | null; codec: { video: string } }[]
              >('/api/streams');
            const s = r.body.find((x) => x.streamId === live.body.streamId);
            return s?.width ? s : undefined;
          },
          10_000,
          'stream dimensions',
        );
        assert.deepEqual([stream.codec.video, stream.width, stream.height], ['H264', 1280, 720]);
        const diagnosis = await h.api<{ steps: { step: string; detail?: string }[] }>(
          `/api/streams/${live.body.streamId}/diagnosis`,
        );
        const steps = diagnosis.body.steps;
        // Our first live y= is 0200000001 = the pcap's SSRC: no re-keying, and RTP matched it.
        assert.match(steps.find((s) => s.step === 'invite-sent')?.detail ?? '', /y=0200000001/);
        assert.ok(!steps.some((s) => s.step === 'ssrc-rekeyed'), JSON.stringify(steps));
        assert.match(steps.find((s) => s.step === 'first-rtp')?.detail ?? '', /SSRC 0x0BEBC201/);

        const stop = await h.api(`/api/streams/${live.body.streamId}`, { method: 'DELETE' });
        assert.equal(stop.status, 200);
        await waitFor(
          () =>
            /message sent[^\n]*\r?\n\r?\nSIP\/2\.0 200 OK\r?\n(?:[^\r\n]+\r?\n)*?CSeq: \d+ BYE/.test(
              readFileSync(messagesLog, 'latin1'),
            ),
          5_000,
          'sipp to answer the BYE',
        );
        const errors = existsSync(errorsLog) ? readFileSync(errorsLog, 'latin1') : '';
        assert.doesNotMatch(errors, /Aborting call|Failed regexp|unexpected/i, errors);
      });
    },
  );
}
