// Talks from a WHIP publisher (werift here; Chromium in test/e2e/voice-browser.test.ts) through
// the real gateway to simulated devices (docs/voice.md §3): the device hears the publisher's
// tone; DELETE on the Location ends the talk with BYE; an Opus-only offer is refused clearly; a
// group talk reaches every channel below a directory; talk mode opens the channel's audio back;
// a device's BYE (the last listener leaving) ends the talk; a busy channel refuses.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { heardBy, lastBroadcast, secondsAt } from '../helpers/voice.js';
import { waitFor } from '../helpers/wait.js';
import { WhipTestPublisher } from '../helpers/whip-client.js';

interface TalkAnswer {
  talkId: string;
  whip: string;
  codec: string;
  mode: string;
  sourceId: string;
  targets: { channelId: string; state: string; form: string | null }[];
  listen: { streamId: string; whep: string; hls: string } | null;
}
interface TalkView {
  state: string;
  publishing: boolean;
  inputDbfs: number | null;
  reason: string | null;
  targets: {
    channelId: string;
    state: string;
    failure: string | null;
    error: string | null;
    packetsSent: number;
  }[];
}

describe('talks from a WHIP publisher', () => {
  let h: Harness;
  let deviceId: string;
  let channels: string[];
  /** Closed at the end whatever happened: a werift peer left open keeps the test process alive. */
  const publishers: WhipTestPublisher[] = [];
  const publisher = (url: string, codecs?: ConstructorParameters<typeof WhipTestPublisher>[1]) => {
    const p = new WhipTestPublisher(h.base + url, codecs);
    publishers.push(p);
    return p;
  };

  before(async () => {
    h = await startHarness({ simulator: { vendor: 'generic', channels: 3 } });
    deviceId = h.sim.devices[0].deviceId;
    channels = [...h.sim.devices[0].backend.channelIds];
    await h.waitForChannels(deviceId, 3);
  });
  after(async () => {
    await Promise.all(publishers.map((p) => p.close().catch(() => undefined)));
    await h.close();
  });

  const talkTo = (channelId: string, mode = 'broadcast') =>
    h.api<TalkAnswer>(`/api/devices/${deviceId}/channels/${channelId}/talk`, {
      method: 'POST',
      body: JSON.stringify({ mode }),
    });
  const talkView = (talkId: string) => h.api<TalkView>(`/api/talks/${talkId}`);

  test('the device hears the 1 kHz tone the publisher sends, and DELETE on the Location ends the talk', async () => {
    const talk = await talkTo(channels[0]);
    assert.equal(talk.status, 200, JSON.stringify(talk.body));
    assert.match(talk.body.whip, /^\/whip\/talk-[0-9a-f]+\?token=/);
    assert.equal(talk.body.codec, 'PCMA');
    assert.match(talk.body.sourceId, /^\d{10}136\d{7}$/, 'a voice-input source ID in our domain');
    const pub = publisher(talk.body.whip);
    assert.equal(await pub.connect(), 201, JSON.stringify(pub.errorBody));
    // The browser offered PCMU before PCMA; the device speaks A-law, so the answer is A-law.
    assert.equal(pub.answeredPayloadType, 8);
    assert.match(
      pub.location ?? '',
      /^\/whip\/talk-[0-9a-f]+\/[0-9a-f-]{36}\?token=/,
      'Location carries the token',
    );
    await pub.connected();
    await waitFor(
      async () => (await talkView(talk.body.talkId)).body.targets[0].state === 'streaming',
      5000,
      'the device INVITE',
    );
    await pub.sendTone(1000, 3);
    const heard = await waitFor(
      () => {
        const at1k = secondsAt(heardBy(h.sim, deviceId, channels[0]), 1000, 20);
        return at1k.length >= 2 ? at1k : undefined;
      },
      3000,
      'two seconds of 1 kHz at the device',
    );
    assert.ok(
      heard.every((s) => s.dbfs > -10 && s.dbfs < -6),
      `levels ${heard.map((s) => s.dbfs).join(', ')}`,
    );
    const view = await talkView(talk.body.talkId);
    assert.equal(view.body.publishing, true);
    assert.ok(
      view.body.inputDbfs !== null && Math.abs(view.body.inputDbfs + 9) < 1.5,
      `input ${view.body.inputDbfs}`,
    );
    assert.ok(view.body.targets[0].packetsSent >= 140, `${view.body.targets[0].packetsSent} packets`);
    // A DELETE without the token is refused; the Location's works.
    const bare = await fetch(h.base + (pub.location ?? '').replace(/\?.*$/, ''), { method: 'DELETE' });
    assert.equal(bare.status, 401);
    assert.equal(await pub.delete(), 200);
    const ended = await waitFor(
      async () => {
        const v = await talkView(talk.body.talkId);
        return v.body.state === 'ended' ? v.body : undefined;
      },
      5000,
      'the talk to end',
    );
    assert.match(ended.reason ?? '', /WHIP session ended/);
    const summary = await waitFor(
      () => lastBroadcast(h.sim, deviceId, channels[0]),
      5000,
      'the BYE at the device',
    );
    assert.equal(summary.closedBecause, 'bye-received');
  });

  test('an offer without PCMA or PCMU is refused with GW_ERR_TALK_CODEC and a reason', async () => {
    const talk = await talkTo(channels[1]);
    const opusOnly = publisher(talk.body.whip, ['opus']);
    assert.equal(await opusOnly.connect(), 406);
    assert.equal(opusOnly.errorBody?.error?.code, 'GW_ERR_TALK_CODEC');
    assert.match(opusOnly.errorBody?.error?.message ?? '', /opus.*no PCMA or PCMU/i);
    assert.equal((await h.api(`/api/talks/${talk.body.talkId}`, { method: 'DELETE' })).status, 200);
  });

  test('a busy channel refuses a second talk: 502 with the device’s refusal', async () => {
    const first = await talkTo(channels[2]);
    assert.equal(first.status, 200);
    await waitFor(
      async () => (await talkView(first.body.talkId)).body.targets[0].state === 'streaming',
      5000,
      'streaming',
    );
    const second = await talkTo(channels[2]);
    assert.equal(second.status, 502);
    assert.match(JSON.stringify(second.body), /GW_ERR_TALK_FAILED.*refused the broadcast \(Result ERROR\)/);
    await h.api(`/api/talks/${first.body.talkId}`, { method: 'DELETE' });
    await waitFor(() => h.sim.devices[0].backend.speakers.active.length === 0, 5000, 'the speakers to close');
  });

  test('group talk below a directory: every channel hears the one publisher', async () => {
    h.sim.devices[0].backend.clearHeard();
    const group = await h.api<TalkAnswer>('/api/talks', {
      method: 'POST',
      body: JSON.stringify({ mode: 'broadcast', directoryId: deviceId }),
    });
    assert.equal(group.status, 200, JSON.stringify(group.body));
    assert.deepEqual(group.body.targets.map((t) => t.channelId).sort(), [...channels].sort());
    const pub = publisher(group.body.whip, ['PCMU']);
    assert.equal(await pub.connect(), 201);
    assert.equal(
      pub.answeredPayloadType,
      0,
      'µ-law offered only: the gateway converts for the A-law devices',
    );
    await pub.connected();
    await waitFor(
      async () => (await talkView(group.body.talkId)).body.targets.every((t) => t.state === 'streaming'),
      5000,
      'every device streaming',
    );
    await pub.sendTone(700, 2.5);
    await waitFor(
      () => channels.every((c) => secondsAt(heardBy(h.sim, deviceId, c), 700, 20).length >= 1),
      3000,
      'every channel to hear 700 Hz',
    );
    await pub.delete();
    await waitFor(() => h.sim.devices[0].backend.speakers.active.length === 0, 5000, 'the speakers to close');
  });

  test('the last device leaving (its BYE) ends the talk; talk mode opens the channel audio back', async () => {
    const talk = await talkTo(channels[1], 'talk');
    assert.equal(talk.status, 200, JSON.stringify(talk.body));
    assert.equal(talk.body.mode, 'talk');
    assert.ok(talk.body.listen, 'talk mode answers with the live stream to listen to');
    assert.match(talk.body.listen.whep, /^\/whep\/.+\?token=/);
    const live = await h.api<{ codec: { audio: string | null } }>(
      `/api/streams/${talk.body.listen.streamId}`,
    );
    assert.equal(live.status, 200);
    await waitFor(
      async () => (await talkView(talk.body.talkId)).body.targets[0].state === 'streaming',
      5000,
      'streaming',
    );
    assert.equal(h.sim.devices[0].platform.hangUpBroadcasts(channels[1]), 1);
    const ended = await waitFor(
      async () => {
        const v = await talkView(talk.body.talkId);
        return v.body.state === 'ended' ? v.body : undefined;
      },
      5000,
      'the talk to end',
    );
    assert.equal(ended.reason, 'every device left the talk');
    assert.equal(ended.targets[0].state, 'ended');
    const talks = await h.api<unknown[]>('/api/talks');
    assert.deepEqual(talks.body, []);
  });

  test('metrics count talks and packets', async () => {
    const res = await fetch(`${h.base}/metrics`);
    const text = await res.text();
    assert.match(text, /gb_talk_sessions_total\{mode="talk"\} 1/);
    const packets = Number(/gb_talk_audio_packets_sent_total\{form="rtp"\} (\d+)/.exec(text)?.[1]);
    assert.ok(packets > 150, `${packets} packets counted`);
    assert.match(text, /gb_talk_failures_total\{reason="refused"\} 1/);
  });
});
