// UDP ingest keeps to its first media source (gateway/ingest/source-lock.ts), on 127.0.0.1 with
// real sockets: a device that ignores y= plays; a second sender that copied y= (the offered
// SSRC) aims the same port from another source port and must neither take the stream over nor
// be mixed in. docs/hardening.md §5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as yieldLoop, setTimeout as sleep } from 'node:timers/promises';
import type { AccessUnit } from '../../codecs/types.js';
import { demuxPsClip } from '../../gateway/outbound/ps-clip.js';
import { IngestSession, type IngestEvent } from '../../gateway/ingest/ingest-session.js';
import { PortPool } from '../../gateway/ingest/port-pool.js';
import { PsRtpSender } from '../../gateway/outbound/ps-rtp-sender.js';
import { loadManifest, loadVector } from '../helpers/paths.js';

const VECTOR = 'ms_h264_720p_g711a.ps';
const Y = 200000001; // y=0200000001, as offered
const expected = loadManifest().files[VECTOR];
const clip = demuxPsClip(loadVector(VECTOR));
const intruderClip = demuxPsClip(loadVector('ms_h265_1080p_g711a.ps'));
const pool = new PortPool({ min: 37600, max: 37649 });

async function sender(ssrc: number, port: number): Promise<PsRtpSender> {
  const s = new PsRtpSender({
    transport: 'udp',
    ssrc,
    bindHost: '127.0.0.1',
    remoteHost: '127.0.0.1',
    remotePort: port,
  });
  await s.open();
  return s;
}

/** Waits until `count()` stops changing for 150 ms (10 s at most). */
async function settle(count: () => number): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const now = count();
    if (now !== last) {
      [last, since] = [now, Date.now()];
    } else if (Date.now() - since >= 150) {
      return;
    }
    await sleep(20);
  }
}

async function play(deviceAddresses?: string[]) {
  const aus: AccessUnit[] = [];
  const events: IngestEvent[] = [];
  const session = await IngestSession.open({
    transport: 'udp',
    bindHost: '127.0.0.1',
    portPool: pool,
    expectedSsrc: Y,
    ssrcMode: 'learn-first',
    deviceAddresses,
    onAccessUnit: (au) => aus.push(au),
    onEvent: (e) => events.push(e),
  });
  const device = await sender(0, session.localPort); // ignores y=, like Dahua (SRS #2047)
  const intruder = await sender(Y, session.localPort); // read y= from the SDP
  for (let i = 0; i < 10; i++) {
    device.sendAccessUnit(clip[i]);
    await yieldLoop();
  }
  await sleep(30);
  for (let i = 10; i < clip.length; i++) {
    device.sendAccessUnit(clip[i]);
    intruder.sendAccessUnit(intruderClip[i % intruderClip.length]);
    await yieldLoop();
  }
  await settle(() => session.stats.packets + session.stats.sourceMismatches);
  const stats = session.stats;
  session.close('done');
  device.close();
  intruder.close();
  return { aus, events, stats, device, intruder };
}

test('a second sender with the expected SSRC from another port cannot take over; the device keeps playing', async () => {
  const { aus, events, stats, device, intruder } = await play();
  const video = aus.filter((au) => au.codec === 'H264' || au.codec === 'H265');
  assert.deepEqual([...new Set(aus.map((au) => au.codec))].sort(), ['H264', 'PCMA'], 'no H.265 mixed in');
  assert.equal(video.length, expected.videoFrames, 'every frame of the device');
  assert.equal(stats.ssrc, 0);
  assert.deepEqual(stats.source, { address: '127.0.0.1', port: device.localPort });
  assert.equal(stats.packets, device.stats.packets);
  assert.equal(stats.sourceMismatches, intruder.stats.packets);
  assert.deepEqual(
    events.filter((e) => e.type === 'source-mismatch'),
    [
      {
        type: 'source-mismatch',
        address: '127.0.0.1',
        port: intruder.localPort,
        ssrc: Y,
        locked: { address: '127.0.0.1', port: device.localPort },
      },
    ],
  );
  assert.ok(!events.some((e) => e.type === 'ssrc-switch'), 'the intruder took the stream over');
});

test('from an address signaling named for the device, the expected SSRC may still take over', async () => {
  // Both senders are on 127.0.0.1 here, so trusting it lets the y= sender in: the rule only
  // protects against sources outside the device's signaled addresses.
  const { events, stats, intruder } = await play(['127.0.0.1']);
  assert.equal(stats.ssrc, Y);
  assert.deepEqual(stats.source, { address: '127.0.0.1', port: intruder.localPort });
  assert.ok(events.some((e) => e.type === 'ssrc-switch'));
  assert.ok(events.some((e) => e.type === 'source-switch'));
  assert.equal(stats.sourceMismatches, 0, 'nothing from the trusted sender was kept out');
});
