// Each GB28181 media transport carries a whole stream through the real gateway: with
// `media-transport` set to udp, tcp-passive (the gateway listens, RFC 4571 framing) and
// tcp-active (the gateway dials the device), a live play of the simulator's clip must deliver
// one full loop of it — 100 video frames and 4 s of G.711 — byte for byte to the stream hub,
// with no loss, and HLS segments that ffprobe decodes completely.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { isVideoCodec, type AccessUnit } from '../../codecs/types.js';
import type { Sink } from '../../gateway/hub/sink.js';
import { fixturePath } from '../../simulator/options.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';
import {
  decodeVideo,
  download,
  probeAudioTrack,
  probeSegment,
  waitForSegments,
  writeFragmentFile,
} from '../helpers/hls-probe.js';
import type { LiveAnswer } from '../helpers/media-page.js';

const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
const CLIP = fixturePath('ch1-testsrc2.h264');
const TRANSPORTS = ['udp', 'tcp-passive', 'tcp-active'] as const;
let h: Harness | undefined;

after(async () => {
  await h?.close();
});

/** Records every access unit the hub fans out (the GOP cache first, so it starts on a keyframe). */
class RecordingSink implements Sink {
  readonly id = 'test-recorder';
  readonly video: AccessUnit[] = [];
  readonly audio: AccessUnit[] = [];
  write(au: AccessUnit): void {
    (isVideoCodec(au.codec) ? this.video : this.audio).push(au);
  }
  close(): void {}
}

function sameUnits(a: AccessUnit, b: AccessUnit): boolean {
  if (a.units.length !== b.units.length) {
    return false;
  }
  return a.units.every((u, i) => Buffer.compare(u, b.units[i]) === 0);
}

/**
 * Index in `loop` where `got` starts, so that got[k] equals loop[(start + k) % n] for the first
 * n units (one whole loop); -1 when no rotation matches.
 */
function matchLoop(got: readonly AccessUnit[], loop: readonly AccessUnit[]): number {
  const n = loop.length;
  for (let start = 0; start < n; start++) {
    let ok = true;
    for (let k = 0; k < n && ok; k++) {
      ok = sameUnits(got[k], loop[(start + k) % n]);
    }
    if (ok) {
      return start;
    }
  }
  return -1;
}

for (const transport of TRANSPORTS) {
  test(
    `media-transport ${transport}: a live play carries one whole loop of the clip byte for byte`,
    { timeout: 30_000 },
    async (t) => {
      await h?.close();
      h = await startHarness({
        gateway: { 'media-transport': transport },
        simulator: { channels: 1, media: [CLIP] },
      });
      await h.sim.waitForRegistered(1, 10_000);
      await h.waitForChannels(DEVICE, 1);

      const live = await h.api<LiveAnswer>(`/api/devices/${DEVICE}/channels/${CHANNEL}/live`, {
        method: 'POST',
      });
      assert.equal(live.status, 200, JSON.stringify(live.body));
      assert.equal(live.body.transport, transport, 'the configured transport was used, not a fallback');
      const sent = h.sim.device(DEVICE)!.platform.sessions[0];
      assert.equal(
        sent.transport,
        transport === 'udp' ? 'udp' : transport === 'tcp-passive' ? 'tcp-active' : 'tcp-passive',
        'the device took the opposite TCP role',
      );

      const stream = h.gw.streams.get(live.body.streamId)!;
      const recorder = new RecordingSink();
      stream.subscribe(recorder, { viewer: false });
      const clip = h.sim.clips[0].accessUnits;
      const clipVideo = clip.filter((au) => isVideoCodec(au.codec));
      const clipAudio = clip.filter((au) => !isVideoCodec(au.codec));
      // One loop plus a margin, so the audio of the loop's last frame is in too.
      await waitFor(
        () => recorder.video.length >= clipVideo.length + 5 && recorder.audio.length >= clipAudio.length + 5,
        10_000,
        'one loop of the clip',
      );

      assert.ok(recorder.video[0].keyframe, 'the hub hands a new sink a keyframe first');
      const videoStart = matchLoop(recorder.video, clipVideo);
      assert.notEqual(videoStart, -1, `${clipVideo.length} video frames in a row equal to the clip's`);
      const firstAudio = recorder.audio.findIndex((au) => au.dts >= recorder.video[0].dts);
      const audioStart = matchLoop(recorder.audio.slice(firstAudio), clipAudio);
      assert.notEqual(audioStart, -1, `${clipAudio.length} audio frames in a row equal to the clip's`);
      // Decode times advance by one frame (3600 ticks at 25 fps) across the whole loop.
      const steps = new Set(
        recorder.video.slice(1, clipVideo.length).map((au, i) => au.dts - recorder.video[i].dts),
      );
      assert.deepEqual([...steps], [3600]);

      const view = (
        await h.api<{ streamId: string; packetsLost: number; transport: string }[]>('/api/streams')
      ).body[0];
      assert.equal(view.transport, transport);
      assert.equal(view.packetsLost, 0);

      const playlist = await waitForSegments(h.base + live.body.hls, 2, 10_000);
      const init = await download(playlist.init);
      const seg = playlist.segments[1];
      const path = writeFragmentFile(`${transport}-${seg.msn}.mp4`, init, await download(seg.url));
      const probe = await probeSegment(path);
      const decoded = await decodeVideo(path);
      assert.equal(probe.video?.codec_name, 'h264');
      // CMAF: the audio is its own rendition
      assert.equal((await probeAudioTrack(h.base + live.body.hls, 1)).codec, 'flac');
      assert.equal(decoded.frames, probe.videoPackets);
      assert.equal(decoded.errors, '');
      t.diagnostic(
        `${transport}: device side ${sent.transport}; ${recorder.video.length} video + ${recorder.audio.length} audio AUs recorded, ` +
          `loop matched from clip frame ${videoStart} / audio frame ${audioStart}; HLS segment ${seg.msn}: ${decoded.frames} frames decoded, ${probe.videoDurationSec.toFixed(3)} s`,
      );
    },
  );
}
