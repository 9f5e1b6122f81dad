// Each media fault knob of the simulator changes what an RTP receiver observes (docs/gb28181.md §10.1,
// §11 quirk 11): loss shows as sequence gaps, a wrong SSRC is seen instead of y=, silence after
// N seconds stops the packets, duplication and reordering show as late/duplicate sequence numbers.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { FaultOptions } from '../../gateway/outbound/ps-rtp-sender.js';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { StandInUpper, type PlayHandle } from '../helpers/stand-in-upper.js';
import { waitFor } from '../helpers/wait.js';

const DEVICE = '34020000001180000001';
const CH1 = '34020000001310000001';
const open: { close(): Promise<void> }[] = [];
after(async () => {
  for (const x of open.reverse()) {
    await x.close();
  }
});

/**
 * Plays channel 1 over UDP with `faults` until the device has played `accessUnits` of its clip
 * (about 50 a second: 25 frames and their audio), a sample size rather than a duration, so a
 * slow host still gets enough; then hangs up and returns what was received.
 */
async function observe(
  faults: FaultOptions,
  accessUnits = 60,
): Promise<{ play: PlayHandle; upper: StandInUpper; sim: Simulator }> {
  const upper = await StandInUpper.start();
  open.push(upper);
  const sim = await startSimulator({
    server: { host: '127.0.0.1', port: upper.port },
    faults: { seed: 42, ...faults },
  });
  open.push(sim);
  assert.equal(await sim.waitForRegistered(1, 5000), true);
  const play = await upper.play(DEVICE, CH1, { transport: 'udp' });
  assert.equal(play.status, 200);
  await waitFor(
    () => (sim.devices[0].platform.sessions[0]?.accessUnits ?? 0) >= accessUnits,
    10_000,
    `${accessUnits} access units played`,
  );
  await play.bye();
  play.close();
  return { play, upper, sim };
}

test('no faults: every sequence number arrives once, in order, with the y= SSRC', async () => {
  const { play } = await observe({});
  const r = play.receiver;
  assert.ok(r.packets > 50, `${r.packets} packets`);
  assert.equal(r.lost, 0);
  assert.equal(r.late, 0);
  assert.equal(r.duplicates, 0);
  assert.deepEqual([...r.ssrcs.keys()], [200000001]);
});

test('--loss 0.2: about a fifth of the sequence numbers never arrive', async () => {
  const { play } = await observe({ loss: 0.2 });
  const r = play.receiver;
  const ratio = r.lost / (r.packets + r.lost);
  assert.ok(
    ratio > 0.1 && ratio < 0.3,
    `loss ratio ${ratio.toFixed(3)} (${r.lost} lost of ${r.packets + r.lost})`,
  );
  assert.equal(r.duplicates, 0);
});

test('--wrong-ssrc: the receiver sees the wrong SSRC instead of the answered y=', async () => {
  const { play } = await observe({ wrongSsrc: 0x12345678 }, 25);
  assert.equal(play.answer?.answeredSsrc, '0200000001');
  assert.deepEqual([...play.receiver.ssrcs.keys()], [0x12345678]);
});

test('--silent-after 0.5: packets stop half a second into the stream although the dialog stays up', async () => {
  // About 1.5 s of the clip: well past the half second.
  const { play } = await observe({ silentAfterSec: 0.5 }, 75);
  const r = play.receiver;
  assert.ok(r.packets > 10);
  const span = r.lastAt! - r.firstAt!;
  assert.ok(span < 800, `media lasted ${span} ms`);
});

test('--duplicate 0.2 and --reorder 0.2: duplicates and late packets, nothing lost', async () => {
  const { play } = await observe({ duplicate: 0.2, reorder: 0.2 });
  const r = play.receiver;
  assert.ok(r.duplicates > 10, `${r.duplicates} duplicates`);
  assert.ok(r.late > r.duplicates, `${r.late} late packets`);
  assert.equal(r.lost, 0);
});

test('--jitter-ms 40: packets are delayed and some arrive out of order', async () => {
  const { play } = await observe({ jitterMs: 40 });
  assert.ok(play.receiver.late > 0, `${play.receiver.late} late`);
  // Packets still delayed at BYE are dropped with the sender, which can leave a hole at the end.
  assert.ok(play.receiver.lost <= 3, `${play.receiver.lost} lost`);
});

test('--corrupt-ps: RTP headers stay intact (payload bytes are flipped)', async () => {
  const { play } = await observe({ corruptPs: 0.5 }, 30);
  assert.ok(play.receiver.packets > 20);
  assert.equal(play.receiver.lost, 0);
  assert.deepEqual([...play.receiver.ssrcs.keys()], [200000001]);
});
