// Acceptance (HTTP API issue point 4): a device whose UDP media never arrives (a firewall; the
// simulator's faults.blockUdp, docs/gb28181.md §11 quirk 21) still answers the INVITE. The gateway
// waits for the first media, falls back to TCP passive (docs/gb28181.md §7.2), plays, and remembers the
// transport for the device, so the next play goes straight to TCP with no fallback step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';

const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
let h: Harness;

interface Live {
  streamId: string;
  transport: string;
  codec: { video: string | null };
}
interface Diagnosis {
  ok: boolean;
  cause: string | null;
  steps: { step: string; detail?: string }[];
}

before(async () => {
  h = await startHarness({ simulator: { channels: 1, faults: { blockUdp: true } } });
  await h.waitForChannels(DEVICE, 1);
});
after(async () => {
  await h?.close();
});

async function play(): Promise<{ live: Live; ms: number; diagnosis: Diagnosis }> {
  const t0 = Date.now();
  const r = await h.api<Live>(`/api/devices/${DEVICE}/channels/${CHANNEL}/live`, { method: 'POST' });
  const ms = Date.now() - t0;
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const d = await h.api<Diagnosis>(`/api/streams/${r.body.streamId}/diagnosis`);
  return { live: r.body, ms, diagnosis: d.body };
}

async function stop(streamId: string): Promise<void> {
  assert.equal((await h.api(`/api/streams/${streamId}`, { method: 'DELETE' })).status, 200);
  await waitFor(() => h.sim.counts().sessions === 0, 5_000, 'the simulator to see BYE');
}

test('UDP blocked: the stream comes up over TCP passive and the device remembers it', async () => {
  const before = await h.api<{ mediaTransport: string | null }>(`/api/devices/${DEVICE}`);
  assert.ok(!before.body.mediaTransport, 'nothing remembered yet');

  const first = await play();
  console.log(`first play (UDP, then fallback) answered in ${first.ms} ms over ${first.live.transport}`);
  assert.equal(first.live.transport, 'tcp-passive');
  assert.equal(first.live.codec.video, 'H264');
  const steps = first.diagnosis.steps.map((s) => s.step);
  const fallback = first.diagnosis.steps.find((s) => s.step === 'fallback');
  assert.match(fallback?.detail ?? '', /no media within \d+ s over UDP.*retrying over tcp-passive/);
  assert.ok(
    steps.indexOf('fallback') < steps.lastIndexOf('invite-sent'),
    'a second INVITE followed the fallback',
  );
  assert.ok(steps.includes('media-connected'), steps.join(', '));
  const sessions = await waitFor(
    () => {
      const list = h.sim.devices[0].platform.sessions;
      return list.length === 1 ? list : undefined;
    },
    3_000,
    'the UDP dialog to end with BYE',
  );
  assert.equal(sessions[0].transport, 'tcp-active', 'the device dials our TCP passive port');

  const device = await h.api<{ mediaTransport: string | null }>(`/api/devices/${DEVICE}`);
  assert.equal(device.body.mediaTransport, 'tcp-passive');
  await stop(first.live.streamId);

  const second = await play();
  console.log(`second play answered in ${second.ms} ms over ${second.live.transport}`);
  assert.equal(second.live.transport, 'tcp-passive');
  const again = second.diagnosis.steps.map((s) => s.step);
  assert.ok(!again.includes('fallback'), `no fallback the second time: ${again.join(', ')}`);
  assert.equal(again.filter((s) => s === 'invite-sent').length, 1);
  assert.match(
    second.diagnosis.steps.find((s) => s.step === 'invite-sent')?.detail ?? '',
    /over tcp-passive/,
  );
  assert.ok(second.ms < first.ms, 'the remembered transport skips the UDP wait');
  await stop(second.live.streamId);
});
