// Voice broadcast against an implementation that is not ours: sipp plays a GB/T 28181 device
// (test/sipp/lower-register.xml + lower-broadcast.xml). One that INVITEs for audio gets a correct
// answer (checked inside the scenario: PT 8, a=sendonly, its own y=) and RTP with the offered
// SSRC (y=0200000777) and payload type at 20 ms, then BYE at the end of the clip. One that
// answers the Broadcast and never INVITEs gives a talk failure with its diagnosis within 10 s.
//
// Skipped only when sipp is not installed and CI is unset; under CI a missing sipp fails.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseRtp, type RtpPacket } from '../../codecs/rtp/packet.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';
import { repoRoot } from '../helpers/paths.js';
import { REALM, SERVER_ID } from '../helpers/sip-peer.js';
import { freePort } from '../helpers/ports.js';
import { SIPP, runSipp, type SippRun } from '../helpers/sipp.js';

const CHANNEL = '34020000001310000021';

interface Received {
  packet: RtpPacket;
  at: number;
}

async function rtpSink(): Promise<{ socket: Socket; port: number; got: Received[] }> {
  const socket = createSocket('udp4');
  const got: Received[] = [];
  socket.on('message', (m) => {
    const packet = parseRtp(new Uint8Array(m));
    if (packet) {
      got.push({ packet, at: performance.now() });
    }
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { socket, port: socket.address().port, got };
}

function scenario(dir: string, rtpPort: number, invites: boolean): string {
  const template = readFileSync(join(repoRoot, 'test', 'sipp', 'lower-broadcast.xml'), 'utf8');
  const path = join(dir, `lower-broadcast-${invites ? 'invite' : 'silent'}.xml`);
  writeFileSync(
    path,
    template
      .replaceAll('@RTP_PORT@', String(rtpPort))
      .replaceAll('@AFTER_RESPONSE@', invites ? 'invite' : 'done'),
  );
  return path;
}

for (const invites of [true, false]) {
  describe(
    invites ? 'sipp as a device that INVITEs for the broadcast audio' : 'sipp as a device that never INVITEs',
    { skip: !SIPP && !process.env.CI ? 'sipp is not installed' : false },
    () => {
      const deviceId = invites ? '34020000001180000031' : '34020000001180000032';
      let h: Harness;
      let sipp: SippRun | undefined;
      let work: string;
      let errorsLog: string;
      let sink: Awaited<ReturnType<typeof rtpSink>>;

      before(async () => {
        assert.ok(SIPP, 'sipp is required under CI (Debian package sip-tester)');
        h = await startHarness({ simulator: { devices: 0 } });
        work = mkdtempSync(join(tmpdir(), 'gb-sipp-voice-'));
        errorsLog = join(work, 'errors.log');
        sink = await rtpSink();
        sipp = runSipp(
          SIPP,
          [
            `127.0.0.1:${h.gw.sipPort}`,
            '-sf',
            join(repoRoot, 'test', 'sipp', 'lower-register.xml'),
            '-oocsf',
            scenario(work, sink.port, invites),
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
            'u1',
            '-i',
            '127.0.0.1',
            '-p',
            String(await freePort()),
            '-cp',
            String(await freePort()),
            '-d',
            '1000',
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
            join(work, 'messages.log'),
          ],
          work,
        );
        await waitFor(
          async () => (await h.api<unknown[]>(`/api/devices/${deviceId}/channels`)).body.length === 1,
          15_000,
          'the sipp device and its catalog',
        );
      });

      after(async () => {
        await sipp?.stop();
        sink?.socket.close();
        await h?.close();
        if (work) {
          rmSync(work, { recursive: true, force: true });
        }
      });

      const sippErrors = () => (existsSync(errorsLog) ? readFileSync(errorsLog, 'latin1') : '');

      if (invites) {
        test('the answer is checked by sipp; RTP carries its y= as SSRC and PT 8, 20 ms apart; BYE at the end', async () => {
          // One second of µ-law at 8 kHz: 50 frames.
          const clip = new Uint8Array(8000).map((_, i) => (i % 16 < 8 ? 0x20 : 0xa0));
          const res = await h.api<{ talkId: string; seconds: number }>(
            `/api/devices/${deviceId}/channels/${CHANNEL}/broadcast`,
            { method: 'POST', headers: { 'Content-Type': 'audio/basic' }, body: clip },
          );
          assert.equal(res.status, 200, JSON.stringify(res.body));
          assert.equal(res.body.seconds, 1);
          const got = sink.got;
          assert.equal(got.length, 50, `${got.length} RTP packets for 50 frames`);
          assert.ok(
            got.every((g) => g.packet.ssrc === 200000777 && g.packet.payloadType === 8),
            'the offered y= as SSRC, the offered PT 8',
          );
          for (let i = 1; i < got.length; i++) {
            assert.equal((got[i].packet.sequence - got[i - 1].packet.sequence) & 0xffff, 1);
            assert.equal((got[i].packet.timestamp - got[i - 1].packet.timestamp) >>> 0, 160);
          }
          const spanMs = got[got.length - 1].at - got[0].at;
          assert.ok(
            spanMs > 49 * 20 - 60 && spanMs < 49 * 20 + 120,
            `50 packets over ${spanMs.toFixed(0)} ms`,
          );
          assert.equal(got[0].packet.payload.length, 160);
          // The gateway converted the µ-law clip to the A-law the device asked for.
          assert.notDeepEqual(
            [...got[0].packet.payload.subarray(0, 8)],
            [0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20],
          );
          const talk = await h.api<{ state: string; targets: { steps: { step: string }[] }[] }>(
            `/api/talks/${res.body.talkId}`,
          );
          assert.equal(talk.body.state, 'ended');
          assert.ok(
            talk.body.targets[0].steps.some((s) => s.step === 'ack'),
            'sipp ACKed',
          );
          await waitFor(
            () =>
              /SIP\/2\.0 200 OK\r?\n(?:[^\r\n]+\r?\n)*?CSeq: \d+ BYE/.test(
                readFileSync(join(work, 'messages.log'), 'latin1'),
              ),
            5000,
            'sipp to answer the BYE',
          );
          assert.doesNotMatch(sippErrors(), /Aborting call|Failed regexp|unexpected/i, sippErrors());
        });
      } else {
        test('the talk fails with no-invite and a diagnosis within 10 s', async () => {
          const t0 = performance.now();
          const talk = await h.api<{ talkId: string }>(`/api/devices/${deviceId}/channels/${CHANNEL}/talk`, {
            method: 'POST',
            body: '{}',
          });
          assert.equal(talk.status, 200, JSON.stringify(talk.body));
          const failed = await waitFor(
            async () => {
              const v = await h.api<{ state: string; targets: { failure: string; error: string }[] }>(
                `/api/talks/${talk.body.talkId}`,
              );
              return v.body.state === 'failed' ? v.body : undefined;
            },
            10_000,
            'the talk to fail',
          );
          assert.ok((performance.now() - t0) / 1000 < 10);
          assert.equal(failed.targets[0].failure, 'no-invite');
          assert.match(
            failed.targets[0].error,
            new RegExp(`device ${deviceId} answered the Broadcast with OK but sent no audio INVITE`),
          );
          assert.equal(sink.got.length, 0);
          assert.doesNotMatch(sippErrors(), /Aborting call|Failed regexp|unexpected/i, sippErrors());
        });
      }
    },
  );
}
