// Fault: RTP from a wrong source or with a wrong SSRC (docs/gb28181.md §10.1, §13 #6; ZLM #2247).
// 1. A device that ignores y= and sends its own SSRC (Dahua sends 0, SRS #2047) still plays.
// 2. A stray sender aiming RTP with other SSRCs, and non-RTP junk, at a playing stream's media
//    port changes nothing: the frame rate holds, the stray packets never reach the stream, and
//    the diagnosis names the foreign SSRC and its address.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { serializeRtp } from '../../codecs/rtp/packet.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { seededRandom } from '../helpers/random.js';
import {
  DEVICE,
  FrameCounter,
  diagnosis,
  mediaPort,
  startLive,
  type StreamView,
  waitForFrames,
} from '../helpers/live-stream.js';
import { sleep } from '../helpers/wait.js';

const open: Harness[] = [];
after(async () => {
  for (const h of open) {
    await h.close();
  }
});

async function harness(faults: Record<string, number> = {}): Promise<Harness> {
  const h = await startHarness({ simulator: { channels: 1, faults: { seed: 11, ...faults } } });
  open.push(h);
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  await h.waitForChannels(DEVICE, 1);
  return h;
}

test('a device sending an SSRC other than the offered y= still plays', async () => {
  const h = await harness({ wrongSsrc: 0 });
  const live = await startLive(h);
  const counter = new FrameCounter(h, live.streamId);
  await waitForFrames(counter, 25);
  const view = await h.api<StreamView>(`/api/streams/${live.streamId}`);
  assert.equal(view.body.state, 'live');
  const d = await diagnosis(h, live.streamId);
  assert.match(d.steps.find((s) => s.step === 'first-rtp')?.detail ?? '', /SSRC 0x00000000/);
  counter.close();
  await h.api(`/api/streams/${live.streamId}`, { method: 'DELETE' });
});

test('RTP with foreign SSRCs and junk from a stray sender is kept out of a playing stream', async () => {
  const h = await harness();
  const live = await startLive(h);
  const counter = new FrameCounter(h, live.streamId);
  await waitForFrames(counter, 10);
  const port = await mediaPort(h, live.streamId);
  const t0 = Date.now();
  await sleep(2000);
  const t1 = Date.now();

  // The stray: 2,000 datagrams/s for 3 s from another socket: RTP (PT 96) carrying pack headers
  // and random bytes under random SSRCs, and non-RTP junk.
  const stray = dgram.createSocket('udp4');
  await new Promise<void>((r) => stray.bind(0, '127.0.0.1', () => r()));
  const rand = seededRandom(5);
  const byte = () => Math.floor(rand() * 256);
  let seq = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < 20; i++) {
      const payload = Uint8Array.from({ length: 200 }, byte);
      payload.set([0, 0, 1, 0xba]);
      const rtp = serializeRtp({
        payloadType: 96,
        sequence: seq++ & 0xffff,
        timestamp: Math.floor(rand() * 2 ** 32),
        ssrc: 0x5a5a0000 + (i % 4),
        marker: i % 2 === 0,
        csrcs: [],
        paddingLength: 0,
        payload,
      });
      stray.send(i % 5 === 0 ? Uint8Array.from({ length: 60 }, byte) : rtp, port, '127.0.0.1');
    }
  }, 10);
  await sleep(3000);
  clearInterval(timer);
  const t2 = Date.now();
  await sleep(500);
  stray.close();

  const before = counter.fps(t0, t1);
  const during = counter.fps(t1, t2);
  console.log(
    `# ${before.toFixed(1)} fps before, ${during.toFixed(1)} fps while a stray sends 2,000 datagrams/s`,
  );
  assert.ok(during >= 0.8 * before, `frame rate fell from ${before.toFixed(1)} to ${during.toFixed(1)}`);
  assert.ok(counter.longestGapMs(t1, t2) < 500, 'the stream stalled');
  const d = await diagnosis(h, live.streamId);
  const mismatch = d.steps.find((s) => s.step === 'ssrc-mismatch');
  assert.match(mismatch?.detail ?? '', /SSRC 0x5A5A000\d from 127\.0\.0\.1/, JSON.stringify(d.steps));
  assert.ok(!d.steps.some((s) => s.step === 'ssrc-switch'), 'the stray took over the stream');
  counter.close();
  await h.api(`/api/streams/${live.streamId}`, { method: 'DELETE' });
});
