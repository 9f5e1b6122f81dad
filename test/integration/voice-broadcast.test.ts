// Voice broadcast end to end through the real gateway and simulated devices (docs/voice.md):
// POST …/broadcast with a WAV of a 440 Hz tone at 44.1 kHz stereo, made by ffmpeg now, plays
// through the device's speaker: the device hears 440 ± 10 Hz for the clip's duration ± 0.3 s,
// in real time, in each vendor form (raw G.711 or PS; INVITE to the SourceID or to the
// gateway's ID) and over UDP and both TCP directions. What the device used is remembered.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { heardBy, lastBroadcast, readFile, secondsAt, toneWav } from '../helpers/voice.js';
import { waitFor } from '../helpers/wait.js';
import { parseWav } from '../../codecs/audio/wav.js';
import { rmsOf } from '../../codecs/audio/tone.js';
import { toMonoRate } from '../../codecs/audio/resample.js';
import type { BroadcastBehaviour, VendorName } from '../../gateway/gb28181/lower/vendor-profile.js';

const CLIP_SECONDS = 3;
let wav: Uint8Array;
let sourceDbfs: number;

interface TalkAnswer {
  talkId: string;
  seconds: number;
}

interface Case {
  name: string;
  vendor: VendorName;
  broadcast?: Partial<BroadcastBehaviour>;
  /** What the gateway should have answered. */
  form: 'rtp' | 'ps';
  addressing: 'source' | 'gateway';
  transport: 'udp' | 'tcp-passive' | 'tcp-active';
}

const CASES: Case[] = [
  {
    name: 'generic: raw PCMA, INVITE to the SourceID, UDP',
    vendor: 'generic',
    form: 'rtp',
    addressing: 'source',
    transport: 'udp',
  },
  {
    name: 'hikvision: G.711 in PS, From = channel, UDP',
    vendor: 'hikvision',
    form: 'ps',
    addressing: 'source',
    transport: 'udp',
  },
  {
    name: 'dahua: raw PCMA, INVITE to the gateway ID, UDP',
    vendor: 'dahua',
    form: 'rtp',
    addressing: 'gateway',
    transport: 'udp',
  },
  {
    name: 'PS over TCP, the device connects (we listen)',
    vendor: 'hikvision',
    broadcast: { transport: 'tcp-active' },
    form: 'ps',
    addressing: 'source',
    transport: 'tcp-passive',
  },
  {
    name: 'raw µ-law over TCP, the device listens (we dial)',
    vendor: 'dahua',
    broadcast: { transport: 'tcp-passive', law: 'PCMU' },
    form: 'rtp',
    addressing: 'gateway',
    transport: 'tcp-active',
  },
];

before(() => {
  wav = new Uint8Array(readFile(toneWav({ hz: 440, seconds: CLIP_SECONDS, rate: 44100, channels: 2 })));
  const pcm = parseWav(wav);
  assert.ok(pcm.ok && pcm.value.sampleRate === 44100 && pcm.value.channels === 2);
  sourceDbfs = 20 * Math.log10(rmsOf(toMonoRate(pcm.value.samples, 2, 44100, 44100)));
});

for (const c of CASES) {
  describe(`voice broadcast of a WAV clip, ${c.name}`, () => {
    let h: Harness;
    let deviceId: string;
    let channelId: string;
    let talkId: string;

    before(async () => {
      h = await startHarness({
        simulator: { vendor: c.vendor, channels: 2, ...(c.broadcast ? { broadcast: c.broadcast } : {}) },
      });
      deviceId = h.sim.devices[0].deviceId;
      channelId = h.sim.devices[0].backend.channelIds[1];
      await h.waitForChannels(deviceId, 2);
    });
    after(() => h.close());

    test('the device hears 440 ± 10 Hz for the clip duration ± 0.3 s, played in real time', async () => {
      const t0 = performance.now();
      const res = await h.api<TalkAnswer>(`/api/devices/${deviceId}/channels/${channelId}/broadcast`, {
        method: 'POST',
        headers: { 'Content-Type': 'audio/wav' },
        body: new Blob([wav.buffer as ArrayBuffer]),
      });
      const elapsedSec = (performance.now() - t0) / 1000;
      assert.equal(res.status, 200, JSON.stringify(res.body));
      talkId = res.body.talkId;
      assert.ok(Math.abs(res.body.seconds - CLIP_SECONDS) < 0.03, `answered ${res.body.seconds} s`);
      // Real time: the answer comes when the last frame has left, not when the file was read.
      assert.ok(elapsedSec >= CLIP_SECONDS - 0.3, `answered after ${elapsedSec.toFixed(2)} s`);
      const summary = await waitFor(
        () => lastBroadcast(h.sim, deviceId, channelId),
        5000,
        'the BYE at the device',
      );
      assert.ok(
        Math.abs(summary.seconds - CLIP_SECONDS) <= 0.3,
        `the device played ${summary.seconds.toFixed(2)} s of audio`,
      );
      const heard = heardBy(h.sim, deviceId, channelId);
      const at440 = secondsAt(heard, 440, 10);
      const heardSeconds = at440.reduce((n, s) => n + s.samples / 8000, 0);
      assert.ok(
        Math.abs(heardSeconds - CLIP_SECONDS) <= 0.3,
        `440 Hz for ${heardSeconds.toFixed(2)} s; heard ${JSON.stringify(heard)}`,
      );
      // The level of the file itself (G.711 keeps it within a fraction of a dB).
      assert.ok(
        at440.every((s) => Math.abs(s.dbfs - sourceDbfs) < 1),
        `levels ${at440.map((s) => s.dbfs).join(', ')} dBFS; the WAV is ${sourceDbfs.toFixed(1)} dBFS`,
      );
    });

    test('the talk shows what the device used, and the gateway remembers it', async () => {
      const talk = await h.api<{
        state: string;
        targets: {
          state: string;
          form: string;
          addressing: string;
          transport: string;
          packetsSent: number;
        }[];
      }>(`/api/talks/${talkId}`);
      assert.equal(talk.status, 200);
      assert.equal(talk.body.state, 'ended');
      const [t] = talk.body.targets;
      assert.deepEqual(
        [t.state, t.form, t.addressing, t.transport],
        ['ended', c.form, c.addressing, c.transport],
      );
      assert.ok(t.packetsSent >= CLIP_SECONDS * 50, `${t.packetsSent} packets for ${CLIP_SECONDS} s`);
      const list = await h.api<unknown[]>('/api/talks');
      assert.deepEqual(list.body, [], 'no talk is left active');
    });
  });
}
