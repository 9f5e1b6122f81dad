// LocalMediaNode hands signaling's knowledge of the device to the ingest's source lock: the
// registered address (IngestRequest.deviceAddresses) and the SDP answer's c=
// (trustDeviceAddress). Real UDP on two loopback addresses: the device streams from 127.0.0.1
// while a sender on 127.0.0.2 uses the offered SSRC; it may take over only when signaling named
// 127.0.0.2 for the device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import type { AccessUnit } from '../../codecs/types.js';
import { demuxPsClip } from '../outbound/ps-clip.js';
import type { PlayMediaEvent } from './media-node-client.js';
import { PortPool } from '../ingest/port-pool.js';
import { PsRtpSender } from '../outbound/ps-rtp-sender.js';
import type { Stream } from '../hub/stream.js';
import { loadVector } from '../../test/helpers/paths.js';
import { waitFor } from '../../test/helpers/wait.js';
import { LocalMediaNode } from './local-media-node.js';
import type { MediaIngest } from './media-node-client.js';

const Y = 200000001;
const clip = demuxPsClip(loadVector('ms_h264_720p_g711a.ps')).slice(0, 60);
const node = new LocalMediaNode({
  portPool: new PortPool({ min: 37650, max: 37669 }),
  bindHost: '127.0.0.1',
  publicIp: '127.0.0.1',
});

async function sender(bindHost: string, ssrc: number, port: number): Promise<PsRtpSender> {
  const s = new PsRtpSender({ transport: 'udp', ssrc, bindHost, remoteHost: '127.0.0.1', remotePort: port });
  await s.open();
  return s;
}

async function run(deviceAddresses: string[], afterAnswer: (ingest: MediaIngest) => void) {
  const aus: AccessUnit[] = [];
  const events: PlayMediaEvent[] = [];
  const ingest = await node.open({
    streamId: 'test',
    deviceId: '34020000001320000001',
    channelId: '34020000001310000001',
    kind: 'live',
    transport: 'udp',
    expectedSsrc: Y,
    deviceAddresses,
    stream: { publish: (au: AccessUnit) => aus.push(au), onMedia: () => () => {} } as unknown as Stream,
    onEvent: (e) => events.push(e),
    onClose: () => {},
    onKeyframeRequest: () => {},
  });
  afterAnswer(ingest);
  const device = await sender('127.0.0.1', 0, ingest.localPort);
  const other = await sender('127.0.0.2', Y, ingest.localPort);
  for (let i = 0; i < 20; i++) {
    device.sendAccessUnit(clip[i]);
    await yieldLoop();
  }
  // The device's packets are all in (and the source locked to it) before the other sender starts.
  await waitFor(() => ingest.stats!.packets >= device.stats.packets, 5_000, "the device's packets");
  for (let i = 20; i < clip.length; i++) {
    other.sendAccessUnit(clip[i]);
    await yieldLoop();
  }
  // Every datagram sent is either taken or kept out; wait until all are accounted for.
  const sent = device.stats.packets + other.stats.packets;
  await waitFor(
    () => {
      const s = ingest.stats!;
      return s.packets + s.sourceMismatches + s.ssrcMismatches >= sent;
    },
    5_000,
    'every datagram taken or kept out',
  );
  const stats = ingest.stats!;
  ingest.close('done');
  device.close();
  other.close();
  return { stats, events };
}

test('a sender at an address signaling never named is kept out of a playing stream', async () => {
  const { stats, events } = await run([], () => {});
  assert.equal(stats.source?.address, '127.0.0.1');
  assert.ok(stats.sourceMismatches > 0);
  assert.ok(!events.some((e) => e.type === 'source-switch'));
});

test('the registered address (deviceAddresses) may take the stream over', async () => {
  const { stats, events } = await run(['127.0.0.2'], () => {});
  assert.equal(stats.source?.address, '127.0.0.2');
  assert.equal(stats.ssrc, Y);
  assert.ok(events.some((e) => e.type === 'source-switch'));
});

test("the SDP answer's c= (trustDeviceAddress) may take the stream over", async () => {
  const { stats } = await run([], (ingest) => ingest.trustDeviceAddress('127.0.0.2'));
  assert.equal(stats.source?.address, '127.0.0.2');
  assert.equal(stats.sourceMismatches, 0);
});
