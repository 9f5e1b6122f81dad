// Voice broadcast through a cascade (docs/voice.md §8): gateway B is the upper platform of
// gateway A, which shares a channel of its simulated NVR. A clip broadcast from B's API to that
// channel goes B → A as a Broadcast notify; A broadcasts to its own device, answers B, INVITEs B
// for the audio and relays what B sends to the device, which hears the tone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { A_ID, SIM, bChannels, channel, startPair, type Pair } from '../helpers/cascade-pair.js';
import { heardBy, lastBroadcast, readFile, secondsAt, toneWav } from '../helpers/voice.js';
import { waitFor } from '../helpers/wait.js';

describe('voice broadcast from an upper platform through the gateway', () => {
  let pair: Pair;

  before(async () => {
    pair = await startPair();
    await bChannels(pair, 2);
  });
  after(() => pair.close());

  test("B's clip to A's shared channel plays on A's device at its frequency and duration", async () => {
    const wav = new Uint8Array(readFile(toneWav({ hz: 500, seconds: 2, rate: 16000, channels: 1 })));
    const res = await pair.b.api<{ talkId: string; seconds: number }>(
      `/api/devices/${A_ID}/channels/${channel(1)}/broadcast`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'audio/wav' },
        body: new Blob([wav.buffer]),
      },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.seconds, 2);
    // The relay ends when B's BYE reaches A, which then hangs up toward its device.
    const summary = await waitFor(
      () => lastBroadcast(pair.a.sim, SIM, channel(1)),
      10_000,
      'the BYE at the device',
    );
    assert.equal(summary.closedBecause, 'bye-received');
    assert.ok(Math.abs(summary.seconds - 2) <= 0.3, `the device played ${summary.seconds.toFixed(2)} s`);
    const at500 = secondsAt(heardBy(pair.a.sim, SIM, channel(1)), 500, 10);
    const heardSeconds = at500.reduce((n, s) => n + s.samples / 8000, 0);
    assert.ok(Math.abs(heardSeconds - 2) <= 0.3, `500 Hz heard for ${heardSeconds.toFixed(2)} s`);
    // On A: the relay talk from the cascade, now ended, with its target's steps.
    const talks = pair.a.gw.upper.voice!;
    await waitFor(() => talks.listTalks().length === 0, 5000, "A's relay talk to end");
    // On B: A answered like a device, INVITEing B's talk source ID.
    const onB = await pair.b.api<{ targets: { addressing: string; state: string; form: string }[] }>(
      `/api/talks/${res.body.talkId}`,
    );
    assert.deepEqual(
      [onB.body.targets[0].state, onB.body.targets[0].addressing, onB.body.targets[0].form],
      ['ended', 'source', 'rtp'],
    );
  });
});
