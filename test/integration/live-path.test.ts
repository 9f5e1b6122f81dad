// The end-to-end path on loopback: simulator → REGISTER → catalog → live INVITE → PS/RTP →
// demux → stream hub → HLS (fMP4), checked with ffprobe; then BYE when the stream is stopped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';

const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
let h: Harness;

before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

test('the simulated platform registers and its 4 channels are stored with their Chinese names', async () => {
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  const channels = await waitFor(
    async () => {
      const r = await h.api<{ channelId: string; name: string }[]>(`/api/devices/${DEVICE}/channels`);
      return r.status === 200 && r.body.length === 4 ? r.body : undefined;
    },
    10_000,
    'the catalog',
  );
  assert.deepEqual(channels.map((c) => c.channelId).sort(), [
    '34020000001310000001',
    '34020000001310000002',
    '34020000001310000003',
    '34020000001310000004',
  ]);
  assert.ok(
    channels.every((c) => /^模拟通道\d$/.test(c.name)),
    JSON.stringify(channels.map((c) => c.name)),
  );
  const device = await h.api<{ online: boolean; channelCount: number }>(`/api/devices/${DEVICE}`);
  assert.equal(device.body.online, true);
});

test('live play: INVITE, PS/RTP ingest, HLS segments that ffprobe reads as H.264 + FLAC', async () => {
  const t0 = Date.now();
  const live = await h.api<{
    streamId: string;
    hls: string;
    whep: string;
    codec: { video: string; audio: string };
    transport: string;
  }>(`/api/devices/${DEVICE}/channels/${CHANNEL}/live`, { method: 'POST' });
  assert.equal(live.status, 200, JSON.stringify(live.body));
  assert.equal(live.body.codec.video, 'H264');
  assert.equal(live.body.transport, 'udp');
  console.log(`live answered in ${Date.now() - t0} ms`);

  const media = await waitFor(
    async () => {
      const master = await fetch(h.base + live.body.hls);
      if (master.status !== 200) {
        return undefined;
      }
      const text = await master.text();
      const mediaUri = text.split('\n').find((l) => l && !l.startsWith('#'));
      // CMAF: the camera's audio is its own rendition (EXT-X-MEDIA), one track per file
      const audioUri = /^#EXT-X-MEDIA:.*TYPE=AUDIO.*URI="([^"]+)"/m.exec(text)?.[1];
      if (!mediaUri || !audioUri) {
        return undefined;
      }
      const url = new URL(mediaUri, h.base + live.body.hls);
      const audioUrl = new URL(audioUri, h.base + live.body.hls);
      const playlist = await (await fetch(url)).text();
      const audioPlaylist = await (await fetch(audioUrl)).text();
      return /\.m4s/.test(playlist) && /\.m4s/.test(audioPlaylist)
        ? { url, playlist, audioUrl, audioPlaylist }
        : undefined;
    },
    15_000,
    'the first HLS segment',
  );
  assert.match(media.playlist, /#EXT-X-MAP:URI="init\.mp4/);
  assert.match(media.playlist, /#EXT-X-PROGRAM-DATE-TIME/);
  const dir = mkdtempSync(join(tmpdir(), 'gb-hls-'));
  const probeFirst = async (playlistUrl: URL, playlist: string) => {
    const segmentUri = playlist.split('\n').find((l) => /^\d+\.m4s/.test(l))!;
    const initUri = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)![1];
    const init = Buffer.from(await (await fetch(new URL(initUri, playlistUrl))).arrayBuffer());
    const segment = Buffer.from(await (await fetch(new URL(segmentUri, playlistUrl))).arrayBuffer());
    const file = join(dir, `${initUri.split('?')[0]}.seg.mp4`);
    writeFileSync(file, Buffer.concat([init, segment]));
    return (
      JSON.parse(
        execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file]).toString(),
      ) as {
        streams: { codec_name: string; width?: number; height?: number; sample_rate?: string }[];
      }
    ).streams;
  };
  const probe = {
    streams: [
      ...(await probeFirst(media.url, media.playlist)),
      ...(await probeFirst(media.audioUrl, media.audioPlaylist)),
    ],
  };
  const video = probe.streams.find((s) => s.codec_name === 'h264');
  const audio = probe.streams.find((s) => s.codec_name === 'flac');
  assert.ok(video, JSON.stringify(probe));
  assert.ok(video.width && video.height);
  assert.equal(audio?.sample_rate, '8000');

  const streams =
    await h.api<{ streamId: string; codec: { video: string }; width: number }[]>('/api/streams');
  assert.equal(streams.body.find((s) => s.streamId === live.body.streamId)?.codec.video, 'H264');
  const diagnosis = await h.api<{ ok: boolean; steps: { step: string }[] }>(
    `/api/streams/${live.body.streamId}/diagnosis`,
  );
  const steps = diagnosis.body.steps.map((s) => s.step);
  for (const step of [
    'invite-sent',
    'final-response',
    'ack-sent',
    'first-rtp',
    'first-ps-pack',
    'codec-found',
    'first-keyframe',
  ]) {
    assert.ok(steps.includes(step), `diagnosis lacks ${step}: ${steps.join(', ')}`);
  }

  const metrics = await (await fetch(`${h.base}/metrics`)).text();
  assert.match(metrics, /gb_devices\{state="online"\} 1/);
  assert.match(metrics, /gb_streams_active\{kind="live",transport="udp"\} 1/);
  assert.match(metrics, /gb_sip_requests_total\{method="REGISTER",direction="in"\} [1-9]/);

  const stop = await h.api(`/api/streams/${live.body.streamId}`, { method: 'DELETE' });
  assert.equal(stop.status, 200);
  await waitFor(() => h.sim.counts().sessions === 0, 5_000, 'the simulator to see BYE');
});
