import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { createApp } from '../app.js';
import { MediaTokenSigner } from '../media-token.js';
import { GatewayError } from '../../errors.js';
import { FakeServices } from '../../../test/helpers/fake-services.js';
import type { StartTalkRequest, TalkChannel, TalkView, VoiceServices } from '../../views/voice.js';

const TOKEN = 'test-token-0123456789abcdef';
const DEV = '34020000001180000001';
const CH = '34020000001310000001';
const CH2 = '34020000001310000002';
const signer = new MediaTokenSigner(Buffer.alloc(32, 7));

function view(request: StartTalkRequest): TalkView {
  return {
    talkId: 'talk-0123456789ab',
    mode: request.mode,
    source: 'whip',
    sourceId: '34020000001360000001',
    state: 'starting',
    codec: 'PCMA',
    createdAt: new Date(0).toISOString(),
    endedAt: null,
    publishing: false,
    inputDbfs: null,
    listenStreamId: null,
    targets: request.targets.map((t) => ({
      ...t,
      state: 'waiting-invite',
      transport: null,
      form: null,
      payloadType: null,
      codec: null,
      ssrc: null,
      addressing: null,
      packetsSent: 0,
      failure: null,
      error: null,
      steps: [{ at: new Date(0).toISOString(), step: 'notify-sent' }],
    })),
    reason: null,
  };
}

/** Records what the routes asked for. */
class FakeVoice implements VoiceServices {
  readonly calls: unknown[][] = [];
  startTalk(request: StartTalkRequest): Promise<TalkView> {
    this.calls.push(['startTalk', request]);
    return Promise.resolve(view(request));
  }
  channelsBelow(directoryId: string): TalkChannel[] {
    this.calls.push(['channelsBelow', directoryId]);
    return directoryId === DEV
      ? [
          { deviceId: DEV, channelId: CH },
          { deviceId: DEV, channelId: CH2 },
        ]
      : [];
  }
  broadcastClip(
    target: TalkChannel,
    clip: { contentType: string; body: Uint8Array },
  ): Promise<{ talkId: string; seconds: number }> {
    this.calls.push(['broadcastClip', target, clip.contentType, clip.body.length]);
    return Promise.resolve({ talkId: 'talk-0123456789ab', seconds: clip.body.length / 8000 });
  }
  listTalks(): TalkView[] {
    return [];
  }
  getTalk(): TalkView | undefined {
    return undefined;
  }
  stopTalk(talkId: string): void {
    throw new GatewayError('GW_ERR_TALK_NOT_FOUND', `no active talk ${talkId}`);
  }
}

const services = new FakeServices();
services.addDevice(DEV, [CH, CH2]);
const voice = new FakeVoice();
const whip = express.Router();
whip.post('/whip/:talkId', (_req, res) => res.status(201).type('application/sdp').send('answer'));
const withVoice = createApp({
  services,
  voice,
  whip,
  apiToken: TOKEN,
  signer,
  version: '0',
  rates: { api: { perSecond: 1000, burst: 1000 } },
});
const without = createApp({
  services,
  apiToken: TOKEN,
  signer,
  version: '0',
  rates: { api: { perSecond: 1000, burst: 1000 } },
});
let servers: Server[] = [];
let base: string;
let baseWithout: string;

before(async () => {
  servers = [withVoice.app.listen(0, '127.0.0.1'), without.app.listen(0, '127.0.0.1')];
  await Promise.all(servers.map((s) => new Promise((r) => s.once('listening', r))));
  [base, baseWithout] = servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
});
after(() => servers.forEach((s) => s.close()));

const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

test('talk answers the contract fields and a WHIP URL whose token opens that talk only', async () => {
  const res = await fetch(`${base}/api/devices/${DEV}/channels/${CH}/talk`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ mode: 'talk' }),
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    talkId: string;
    whip: string;
    codec: string;
    mode: string;
    listen: unknown;
  };
  assert.deepEqual(
    [body.talkId, body.codec, body.mode, body.listen],
    ['talk-0123456789ab', 'PCMA', 'talk', null],
  );
  const url = new URL(body.whip, base);
  assert.equal(url.pathname, '/whip/talk-0123456789ab');
  assert.ok(signer.verify('talk:talk-0123456789ab', url.searchParams.get('token') ?? undefined));
  assert.ok(
    !signer.verify('talk-0123456789ab', url.searchParams.get('token') ?? undefined),
    'not a stream token',
  );
  const through = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp' },
    body: 'v=0',
  });
  assert.equal(through.status, 201, 'the media-token guard lets the WHIP POST through');
  const bare = await fetch(`${base}/whip/talk-0123456789ab`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp' },
    body: 'v=0',
  });
  assert.equal(bare.status, 401);
  const badMode = await fetch(`${base}/api/devices/${DEV}/channels/${CH}/talk`, {
    method: 'POST',
    headers: auth,
    body: '{"mode":"shout"}',
  });
  assert.equal(badMode.status, 400);
});

test('a group talk takes a directory (expanded) or a list, not both and not neither', async () => {
  const res = await fetch(`${base}/api/talks`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ directoryId: DEV }),
  });
  assert.equal(res.status, 200);
  const last = voice.calls.at(-1)!;
  assert.deepEqual(last, [
    'startTalk',
    {
      mode: 'broadcast',
      targets: [
        { deviceId: DEV, channelId: CH },
        { deviceId: DEV, channelId: CH2 },
      ],
    },
  ]);
  const empty = await fetch(`${base}/api/talks`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ directoryId: '34020000002150000001' }),
  });
  assert.equal(((await empty.json()) as { error: { code: string } }).error.code, 'GW_ERR_CHANNEL_NOT_FOUND');
  const neither = await fetch(`${base}/api/talks`, { method: 'POST', headers: auth, body: '{}' });
  assert.equal(neither.status, 400);
});

test('broadcast takes the audio body as bytes with its type; other types get 415', async () => {
  const clip = new Uint8Array(16000).fill(0xff);
  const res = await fetch(`${base}/api/devices/${DEV}/channels/${CH}/broadcast`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'audio/basic' },
    body: clip,
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { talkId: 'talk-0123456789ab', seconds: 2 });
  assert.deepEqual(voice.calls.at(-1), [
    'broadcastClip',
    { deviceId: DEV, channelId: CH },
    'audio/basic',
    16000,
  ]);
  const mp3 = await fetch(`${base}/api/devices/${DEV}/channels/${CH}/broadcast`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'audio/mpeg' },
    body: clip,
  });
  assert.equal(mp3.status, 415);
  assert.match(
    ((await mp3.json()) as { error: { message: string } }).error.message,
    /audio\/wav.*audio\/basic.*got audio\/mpeg/,
  );
});

test('/openapi.json documents the audio body types and the WHIP endpoint', async () => {
  const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
  };
  const body = doc.paths['/api/devices/{deviceId}/channels/{channelId}/broadcast'].post.requestBody!;
  assert.ok('audio/wav' in body.content && 'audio/basic' in body.content);
  assert.ok(doc.paths['/whip/{talkId}'].post);
  assert.ok(doc.paths['/whip/{talkId}/{sessionId}'].delete);
});

test('without voice the routes answer 503 GW_ERR_VOICE_UNAVAILABLE', async () => {
  const res = await fetch(`${baseWithout}/api/talks`, { headers: auth });
  assert.equal(res.status, 503);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'GW_ERR_VOICE_UNAVAILABLE');
});
