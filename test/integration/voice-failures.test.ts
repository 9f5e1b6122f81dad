// What goes wrong in voice broadcast, and what the gateway says (docs/voice.md §7): a device that
// answers the Broadcast and never INVITEs fails the talk within 10 s with a diagnosis that names
// the usual causes; a clip to it answers 502 within 10 s; an offline device, a bad body and an
// unknown talk get their GW_ERR_* codes. And what a device used is remembered and reused.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SqliteVoiceStore } from '../../gateway/store/voice-store.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';

interface TalkView {
  state: string;
  sourceId: string;
  reason: string | null;
  targets: {
    state: string;
    failure: string | null;
    error: string | null;
    form: string | null;
    addressing: string | null;
    steps: { step: string; detail?: string }[];
  }[];
}

describe('a device that answers the Broadcast and never INVITEs', () => {
  let h: Harness;
  let deviceId: string;
  let channelId: string;

  before(async () => {
    h = await startHarness({ simulator: { vendor: 'generic', channels: 1, broadcast: { invites: false } } });
    deviceId = h.sim.devices[0].deviceId;
    channelId = h.sim.devices[0].backend.channelIds[0];
    await h.waitForChannels(deviceId, 1);
  });
  after(() => h.close());

  test('the talk fails with no-invite and a diagnosis within 10 s', async () => {
    const t0 = performance.now();
    const talk = await h.api<{ talkId: string; targets: { state: string }[] }>(
      `/api/devices/${deviceId}/channels/${channelId}/talk`,
      { method: 'POST', body: JSON.stringify({ mode: 'broadcast' }) },
    );
    assert.equal(talk.status, 200, 'the device answered OK: the talk starts, waiting for its INVITE');
    assert.equal(talk.body.targets[0].state, 'waiting-invite');
    const failed = await waitFor(
      async () => {
        const v = await h.api<TalkView>(`/api/talks/${talk.body.talkId}`);
        return v.body.state === 'failed' ? v.body : undefined;
      },
      10_000,
      'the talk to fail',
    );
    const seconds = (performance.now() - t0) / 1000;
    assert.ok(seconds < 10, `failed after ${seconds.toFixed(1)} s`);
    const [target] = failed.targets;
    assert.equal(target.failure, 'no-invite');
    assert.match(target.error ?? '', /answered the Broadcast with OK but sent no audio INVITE within 8 s/);
    assert.match(target.error ?? '', /G\.711A/, 'the usual causes are named');
    assert.deepEqual(
      target.steps.map((s) => s.step),
      ['notify-sent', 'notify-accepted', 'response', 'failed'],
    );
    assert.equal(failed.reason, 'no device took the broadcast');
    const metrics = await (await fetch(`${h.base}/metrics`)).text();
    assert.match(metrics, /gb_talk_failures_total\{reason="no-invite"\} 1/);
  });

  test('a clip to it answers 502 GW_ERR_TALK_FAILED within 10 s', async () => {
    const t0 = performance.now();
    const res = await h.api<{ error: { code: string; message: string } }>(
      `/api/devices/${deviceId}/channels/${channelId}/broadcast`,
      { method: 'POST', headers: { 'Content-Type': 'audio/basic' }, body: new Uint8Array(8000).fill(0xff) },
    );
    assert.ok((performance.now() - t0) / 1000 < 10);
    assert.equal(res.status, 502);
    assert.equal(res.body.error.code, 'GW_ERR_TALK_FAILED');
    assert.match(res.body.error.message, /no audio INVITE/);
  });
});

describe('voice errors and remembered forms', () => {
  let h: Harness;
  let deviceId: string;
  let channels: string[];

  before(async () => {
    h = await startHarness({ simulator: { vendor: 'generic', channels: 2 } });
    deviceId = h.sim.devices[0].deviceId;
    channels = [...h.sim.devices[0].backend.channelIds];
    await h.waitForChannels(deviceId, 2);
  });
  after(() => h.close());

  test('bad requests get their codes', async () => {
    const url = `/api/devices/${deviceId}/channels/${channels[0]}/broadcast`;
    const ogg = await h.api<{ error: { code: string } }>(url, {
      method: 'POST',
      headers: { 'Content-Type': 'audio/ogg' },
      body: 'OggS',
    });
    assert.deepEqual([ogg.status, ogg.body.error.code], [415, 'GW_ERR_AUDIO_FORMAT']);
    const notWav = await h.api<{ error: { code: string; message: string } }>(url, {
      method: 'POST',
      headers: { 'Content-Type': 'audio/wav' },
      body: 'RIFF....WAVEjunk',
    });
    assert.deepEqual([notWav.status, notWav.body.error.code], [415, 'GW_ERR_AUDIO_FORMAT']);
    assert.match(notWav.body.error.message, /not a WAV file we can play/);
    const noToken = await fetch(h.base + url, {
      method: 'POST',
      headers: { 'Content-Type': 'audio/basic' },
      body: 'x',
    });
    assert.equal(noToken.status, 401);
    const unknown = await h.api<{ error: { code: string } }>(
      `/api/devices/${deviceId}/channels/34020000001310099999/talk`,
      {
        method: 'POST',
        body: '{}',
      },
    );
    assert.equal(unknown.body.error.code, 'GW_ERR_CHANNEL_NOT_FOUND');
    const nothing = await h.api<{ error: { code: string } }>('/api/talks/talk-000000000000');
    assert.deepEqual([nothing.status, nothing.body.error.code], [404, 'GW_ERR_TALK_NOT_FOUND']);
    const both = await h.api<{ error: { code: string } }>('/api/talks', {
      method: 'POST',
      body: JSON.stringify({ channels: [{ deviceId, channelId: channels[0] }], directoryId: deviceId }),
    });
    assert.equal(both.body.error.code, 'GW_ERR_BAD_REQUEST');
  });

  test('the form and addressing a device used last time are used again', async () => {
    // As if this device had been answered with PS after INVITEing our own ID (it offers raw first).
    const store = new SqliteVoiceStore(join(h.dataDir, 'gateway.db'));
    store.putForm({
      deviceId,
      form: 'ps',
      addressing: 'gateway',
      transport: 'udp',
      updatedAt: new Date().toISOString(),
    });
    store.close();
    const talk = await h.api<{ talkId: string }>(`/api/devices/${deviceId}/channels/${channels[1]}/talk`, {
      method: 'POST',
      body: '{}',
    });
    assert.equal(talk.status, 200);
    const v = await waitFor(
      async () => {
        const r = await h.api<TalkView>(`/api/talks/${talk.body.talkId}`);
        return r.body.targets[0].form ? r.body : undefined;
      },
      5000,
      'the answer',
    );
    assert.equal(v.targets[0].form, 'ps', 'PS again, though the device lists raw PCMA first');
    const notify = v.targets[0].steps.find((s) => s.step === 'notify-sent');
    assert.match(notify?.detail ?? '', /SourceID 34020000002000000001 /, "the gateway's own ID as SourceID");
    assert.equal(v.targets[0].addressing, 'gateway');
    await h.api(`/api/talks/${talk.body.talkId}`, { method: 'DELETE' });
  });

  test('an offline device: 409 GW_ERR_DEVICE_OFFLINE', async () => {
    await h.sim.close();
    await waitFor(
      async () => !(await h.api<{ online: boolean }>(`/api/devices/${deviceId}`)).body.online,
      10_000,
      'the device to go offline',
    );
    const res = await h.api<{ error: { code: string } }>(
      `/api/devices/${deviceId}/channels/${channels[0]}/talk`,
      {
        method: 'POST',
        body: '{}',
      },
    );
    assert.deepEqual([res.status, res.body.error.code], [409, 'GW_ERR_DEVICE_OFFLINE']);
  });
});
