// Acceptance (simulator issue point 3, HTTP API issue point 4): each media fault knob of the
// simulator changes what the real gateway observes. Loss shows in packetsLost and
// gb_media_packets_lost_total; a device ignoring y= still plays and the diagnosis names both
// SSRCs (docs/gb28181.md §7.3, §11 quirk 11); a device that goes silent is hung up on after the no-media
// timeout, with the cause recorded. A fault-free device on the same gateway is the control.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FaultOptions } from '../../gateway/outbound/ps-rtp-sender.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/index.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { sleep, waitFor } from '../helpers/wait.js';

interface StreamRow {
  streamId: string;
  packetsLost: number;
  state: string;
}
interface Diagnosis {
  ok: boolean;
  cause: string | null;
  steps: { step: string; detail?: string }[];
}
interface Device {
  deviceId: string;
  channelId: string;
  sim: Simulator;
}

let h: Harness;
const sims: Simulator[] = [];
let control: Device;

before(async () => {
  h = await startHarness({ gateway: { 'no-media-timeout': 2 }, simulator: { devices: 0 } });
  control = await addDevice(1, {});
});
after(async () => {
  for (const s of sims) {
    await s.close();
  }
  await h?.close();
});

/** One more simulated device (serial `n`) on the same gateway, registered and catalogued. */
async function addDevice(
  n: number,
  faults: FaultOptions,
  extra: Partial<SimulatorOptions> = {},
): Promise<Device> {
  const deviceId = `3402000000118${String(n).padStart(7, '0')}`;
  const sim = await startSimulator({
    server: { host: '127.0.0.1', port: h.gw.sipPort },
    password: h.gw.secrets.password,
    devices: 1,
    channels: 1,
    deviceIdBase: deviceId,
    faults: { seed: 7, ...faults },
    ...extra,
  });
  sims.push(sim);
  const channelId = sim.device(deviceId)!.backend.channelIds[0];
  await waitFor(
    async () => (await h.api<unknown[]>(`/api/devices/${deviceId}/channels`)).body.length === 1,
    10_000,
    `the catalog of ${deviceId}`,
  );
  return { deviceId, channelId, sim };
}

async function live(d: Device): Promise<string> {
  const r = await h.api<{ streamId: string }>(`/api/devices/${d.deviceId}/channels/${d.channelId}/live`, {
    method: 'POST',
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.streamId;
}

async function stream(id: string): Promise<StreamRow | undefined> {
  return (await h.api<StreamRow[]>('/api/streams')).body.find((s) => s.streamId === id);
}

async function diagnosis(id: string): Promise<Diagnosis> {
  const r = await h.api<Diagnosis>(`/api/streams/${id}/diagnosis`);
  assert.equal(r.status, 200);
  return r.body;
}

async function lostMetric(): Promise<number> {
  const text = await (await fetch(`${h.base}/metrics`)).text();
  const m = /^gb_media_packets_lost_total\{transport="udp"\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

test('loss: packetsLost and gb_media_packets_lost_total rise for the lossy device only', async () => {
  const lossy = await addDevice(2, { loss: 0.03 });
  const before = await lostMetric();
  const [clean, lossyId] = await Promise.all([live(control), live(lossy)]);
  // The ingest reports its counters to the metrics once a second.
  const lossyRow = await waitFor(
    async () => {
      const row = await stream(lossyId);
      return row && row.packetsLost > 0 && (await lostMetric()) > before ? row : undefined;
    },
    10_000,
    'lost packets to be counted',
  );
  await sleep(1200);
  const cleanRow = (await stream(clean))!;
  console.log(`loss 3 %: packetsLost ${lossyRow.packetsLost} (lossy) vs ${cleanRow.packetsLost} (control)`);
  assert.equal(cleanRow.packetsLost, 0, 'the control stream lost nothing');
  assert.equal(cleanRow.state, 'live');
  assert.ok((await lostMetric()) >= lossyRow.packetsLost);
  const d = await diagnosis(lossyId);
  assert.equal(d.ok, true, 'the lossy stream still reached a keyframe');
});

test('wrong SSRC: the stream plays, and the diagnosis names the SSRC sent and the one offered', async () => {
  const liar = await addDevice(3, { wrongSsrc: 0x12345678 });
  const id = await live(liar);
  const d = await waitFor(
    async () => {
      const x = await diagnosis(id);
      return x.ok ? x : undefined;
    },
    10_000,
    'the first keyframe',
  );
  const offered = /y=(\d{10})/.exec(d.steps.find((s) => s.step === 'invite-sent')?.detail ?? '')?.[1];
  assert.ok(offered, JSON.stringify(d.steps));
  const offeredHex = `0x${Number(offered).toString(16).toUpperCase().padStart(8, '0')}`;
  console.log(`wrong SSRC cause: ${d.cause}`);
  assert.ok(
    d.cause?.startsWith(`SSRC 0x12345678 differs from the ${offeredHex} we offered`),
    d.cause ?? 'null',
  );
  assert.equal((await stream(id))?.state, 'live');

  const clean = await diagnosis(`${control.deviceId}_${control.channelId}`);
  assert.equal(clean.cause, null, 'the control device sends the y= SSRC');
});

test("y= checks follow the answer: an own y= (Hikvision NCG) is fine, Dahua's SSRC 0 is named", async () => {
  const ncg = await addDevice(5, {}, { answerSsrc: 'own' });
  const dahua = await addDevice(6, {}, { vendor: 'dahua' });
  const [ncgId, dahuaId] = await Promise.all([live(ncg), live(dahua)]);
  const rekeyed = await diagnosis(ncgId);
  assert.ok(
    rekeyed.steps.some((s) => s.step === 'ssrc-rekeyed'),
    rekeyed.steps.map((s) => s.step).join(', '),
  );
  assert.equal(rekeyed.cause, null, 'RTP carries the y= of the answer');
  const zero = await diagnosis(dahuaId);
  console.log(`dahua cause: ${zero.cause}`);
  assert.match(zero.cause ?? '', /^SSRC 0x00000000 differs from the 0x[0-9A-F]{8} we offered: .*Dahua/);
});

test('silence: after the no-media timeout the gateway hangs up and records why', async () => {
  const mute = await addDevice(4, { silentAfterSec: 1.5 });
  const id = await live(mute);
  assert.equal((await stream(id))?.state, 'live');
  const t0 = Date.now();
  await waitFor(() => mute.sim.counts().sessions === 0, 10_000, 'the simulator to receive BYE');
  console.log(
    `silent device hung up on ${Date.now() - t0} ms after play started (silent after 1.5 s, no-media timeout 2 s)`,
  );
  const d = await diagnosis(id);
  assert.equal(d.ok, false);
  assert.match(d.cause ?? '', /^the device stopped sending media/);
  assert.equal(await stream(id), undefined, 'the stream is gone from /api/streams');
  assert.equal(control.sim.counts().sessions, 1, 'the control stream is untouched');
});
