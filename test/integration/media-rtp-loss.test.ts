// The shared RTP vector (rtp_h264_720p_g711a_seqwrap.rtp4571: GB28181 PS/RTP, SSRC 200000001,
// sequence numbers and timestamps wrapping) replayed in real time over UDP into the real
// gateway's media port after a live INVITE, with 2 % seeded loss and adjacent-packet
// reordering. The simulated device answers the INVITE but sends nothing itself. Frames hit by a
// loss must be dropped (never passed on damaged), playback must recover at the next keyframe,
// and HLS segments must keep coming and decode in ffprobe.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { Rfc4571Framer } from '../../codecs/rtp/tcp-framing.js';
import { isVideoCodec, type AccessUnit } from '../../codecs/types.js';
import { FaultInjector } from '../../gateway/outbound/fault-injector.js';
import { demuxPsClip } from '../../gateway/outbound/ps-clip.js';
import type { Sink } from '../../gateway/hub/sink.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';
import {
  decodeVideo,
  download,
  probeAudioTrack,
  probeSegment,
  readMediaPlaylist,
  writeFragmentFile,
} from '../helpers/hls-probe.js';
import type { LiveAnswer } from '../helpers/media-page.js';
import { loadManifest, loadVector } from '../helpers/paths.js';

const RTP_VECTOR = 'rtp_h264_720p_g711a_seqwrap.rtp4571';
const PS_VECTOR = 'ms_h264_720p_g711a.ps';
const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
const STREAM = `${DEVICE}_${CHANNEL}`;
const LOSS = 0.02;
const REORDER = 0.05;
const SEED = 7;
let h: Harness | undefined;
let stopReplay = false;

after(async () => {
  stopReplay = true;
  await h?.close();
});

class RecordingSink implements Sink {
  readonly id = 'test-recorder';
  readonly video: AccessUnit[] = [];
  audio = 0;
  write(au: AccessUnit): void {
    if (isVideoCodec(au.codec)) {
      this.video.push(au);
    } else {
      this.audio++;
    }
  }
  close(): void {}
}

const sameUnits = (a: AccessUnit, b: AccessUnit) =>
  a.units.length === b.units.length && a.units.every((u, i) => Buffer.compare(u, b.units[i]) === 0);

function rtpPackets(): Uint8Array[] {
  const framer = new Rfc4571Framer();
  return framer.push(loadVector(RTP_VECTOR));
}

/** Sends the packets paced by their (wrapping) RTP timestamps, through the fault injector. */
async function replay(packets: readonly Uint8Array[], faults: FaultInjector): Promise<void> {
  const ts = (p: Uint8Array) => new DataView(p.buffer, p.byteOffset).getUint32(4);
  const ts0 = ts(packets[0]);
  const start = Date.now();
  for (const p of packets) {
    if (stopReplay) {
      break;
    }
    const dueMs = (((ts(p) - ts0) >>> 0) / 90_000) * 1000;
    const wait = start + dueMs - Date.now();
    if (wait > 1) {
      await sleep(wait);
    }
    faults.push(Uint8Array.from(p));
  }
  faults.flush();
}

test(
  'the RTP vector with 2 % loss and reordering keeps playing: hit frames dropped, recovery at keyframes, HLS decodes',
  { timeout: 60_000 },
  async (t) => {
    const manifest = loadManifest().rtp[RTP_VECTOR];
    const packets = rtpPackets();
    assert.equal(packets.length, manifest.packets);
    const clean = demuxPsClip(loadVector(PS_VECTOR)).filter((au) => isVideoCodec(au.codec));

    // The device registers and answers INVITEs, but its own UDP media is blocked (as by a firewall):
    // the replay below is the only media the gateway receives.
    h = await startHarness({ simulator: { channels: 1, faults: { blockUdp: true } } });
    await h.sim.waitForRegistered(1, 10_000);
    const hh = h;
    await hh.waitForChannels(DEVICE, 1);

    const livePromise = hh.api<LiveAnswer>(`/api/devices/${DEVICE}/channels/${CHANNEL}/live`, {
      method: 'POST',
    });
    // The INVITE names the UDP port and y=: the first live SSRC of realm 3402000000 is the vector's.
    const invite = await waitFor(
      async () => {
        const d = await hh.api<{ steps?: { step: string; detail?: string }[] }>(
          `/api/streams/${STREAM}/diagnosis`,
        );
        return d.body.steps?.find((s) => s.step === 'invite-sent')?.detail;
      },
      5_000,
      'the INVITE',
    );
    const port = Number(/media port (\d+)/.exec(invite)![1]);
    assert.match(invite, /over udp, y=0200000001/);
    assert.equal(manifest.ssrc, 200000001);

    const recorder = new RecordingSink();
    const stream = await waitFor(() => hh.gw.streams.get(STREAM), 2_000, 'the stream hub');
    stream.subscribe(recorder, { viewer: false });

    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    t.after(() => {
      stopReplay = true;
      socket.close();
    });
    const faults = new FaultInjector({ loss: LOSS, reorder: REORDER, seed: SEED }, (p) => {
      if (!stopReplay) {
        socket.send(p, port, '127.0.0.1');
      }
    });
    const sending = replay(packets, faults);
    const live = await livePromise;
    assert.equal(live.status, 200, JSON.stringify(live.body));
    assert.equal(live.body.codec.video, 'H264');

    // While the replay runs, new complete segments keep appearing.
    const msnSeen = new Set<number>();
    const hlsUrl = hh.base + live.body.hls;
    while (!(await Promise.race([sending.then(() => true), sleep(500).then(() => false)]))) {
      for (const s of (await readMediaPlaylist(hlsUrl))?.segments ?? []) {
        msnSeen.add(s.msn);
      }
    }
    await sleep(300);
    const playlist = (await readMediaPlaylist(hlsUrl))!;
    for (const s of playlist.segments) {
      msnSeen.add(s.msn);
    }

    // Frames hit by a loss are dropped: every published frame is byte-identical to the clean one
    // with the same position in the sequence (the stream's pts is the PS pts, unwrapped).
    const byPts = new Map(clean.map((au) => [au.pts, au]));
    const offset = recorder.video[0].pts - clean.find((au) => sameUnits(au, recorder.video[0]))!.pts;
    const damaged = recorder.video.filter((au) => {
      const ref = byPts.get(au.pts - offset);
      return !ref || !sameUnits(ref, au);
    });
    assert.equal(damaged.length, 0, 'a damaged frame was passed on');
    const publishedPts = new Set(recorder.video.map((au) => au.pts - offset));
    const missing = clean.filter((au) => !publishedPts.has(au.pts));
    const missingKeyframes = missing.filter((au) => au.keyframe).length;
    const stats = faults.stats;
    assert.ok(stats.dropped > 0 && stats.reordered > 0, JSON.stringify(stats));
    assert.ok(missing.length > 0, 'the losses cost some frames');
    assert.ok(
      missing.length <= 2 * stats.dropped,
      `${missing.length} frames missing for ${stats.dropped} lost packets`,
    );

    // Recovery: after the first missing frame, a later keyframe arrives and playback continues.
    const firstMissing = missing[0].pts;
    const recovered = recorder.video.find((au) => au.keyframe && au.pts - offset > firstMissing);
    assert.ok(recovered, 'no keyframe after the first loss');
    const framesAfterRecovery = recorder.video.filter((au) => au.pts >= recovered.pts).length;
    assert.ok(framesAfterRecovery >= 25, `only ${framesAfterRecovery} frames after the recovery keyframe`);

    // HLS kept coming and every complete segment decodes.
    assert.ok(msnSeen.size >= 3, `segments seen: ${[...msnSeen].join(', ')}`);
    const init = await download(playlist.init);
    const lines: string[] = [];
    let hlsFrames = 0;
    let hlsDecoded = 0;
    let wholeSegments = 0;
    // CMAF: the audio is its own rendition; it keeps coming and decodes too
    assert.equal((await probeAudioTrack(hlsUrl, 1)).codec, 'flac');
    for (const seg of playlist.segments) {
      const path = writeFragmentFile(`loss-${seg.msn}.mp4`, init, await download(seg.url));
      const p = await probeSegment(path);
      const decoded = await decodeVideo(path);
      hlsFrames += p.videoPackets;
      hlsDecoded += decoded.frames;
      wholeSegments += decoded.frames === p.videoPackets ? 1 : 0;
      lines.push(
        `segment ${seg.msn}: EXTINF ${seg.extinf.toFixed(3)} s, ${decoded.frames}/${p.videoPackets} frames decoded, starts on keyframe ${p.startsWithKeyframe}, decoder messages ${decoded.errors ? JSON.stringify(decoded.errors.slice(0, 120)) : 'none'}`,
      );
      assert.equal(p.video?.codec_name, 'h264');
      assert.deepEqual([p.video?.width, p.video?.height], [1280, 720]);
      // Each segment opens on a keyframe, so each decodes from its start; the decoder may skip
      // frames that reference a frame the loss removed, up to the next keyframe.
      assert.ok(p.startsWithKeyframe, lines.at(-1));
      assert.ok(p.videoPackets > 0 && decoded.frames > 0, lines.at(-1));
      assert.equal(decoded.errors, '', lines.at(-1));
    }
    assert.ok(wholeSegments >= 1, 'no segment decoded completely');
    assert.ok(hlsDecoded >= 0.8 * hlsFrames, `${hlsDecoded} of ${hlsFrames} frames decoded`);
    const view = (await hh.api<{ packetsLost: number }[]>('/api/streams')).body[0];
    t.diagnostic(
      `replayed ${packets.length} packets: ${stats.dropped} dropped, ${stats.reordered} reordered (seed ${SEED}); gateway packetsLost ${view?.packetsLost}; ` +
        `${recorder.video.length}/${clean.length} frames published, ${missing.length} dropped (${missingKeyframes} keyframes), ${recorder.audio} audio frames; ` +
        `recovered at the keyframe ${(recovered.pts - offset - clean[0].pts) / 3600} frames in; segments seen ${[...msnSeen].sort((a, b) => a - b).join(',')}; ffprobe decoded ${hlsDecoded} of their ${hlsFrames} frames`,
    );
    for (const l of lines) {
      t.diagnostic(l);
    }
    assert.ok((view?.packetsLost ?? 0) > 0, 'the gateway counted the losses');
  },
);
