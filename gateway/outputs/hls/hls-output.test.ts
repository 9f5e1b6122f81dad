import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { CLOCK_HZ, type AccessUnit } from '../../../codecs/types.js';
import { Stream } from '../../hub/stream.js';
import { HlsOutput } from './hls-output.js';
import { haveFfmpeg, interleave, makeClip, type TestClip } from '../../../test/helpers/media-clip.js';

// One 320x180 H.264 clip, 24 s at 25 fps, 2 s GOP, with A-law audio: 12 segments.
let clip: TestClip | undefined;
const skip = !haveFfmpeg() && !process.env.CI ? 'ffmpeg missing' : false;

before(() => {
  if (!skip) {
    clip = makeClip({ codec: 'H264', width: 320, height: 180, seconds: 24, audio: 'PCMA' });
  }
});

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

function units(opts: { start?: number; audioLead?: number; audio?: boolean } = {}): AccessUnit[] {
  return interleave(clip!, { start: opts.start ?? 0, audioLead: opts.audioLead, audio: opts.audio });
}

/**
 * A clock that follows the media: wall = T0 + dts of the unit being written. With `hub`, the
 * units go through a Stream as in the gateway (its keyframe wait, its codec reports).
 */
function pacedOutput(
  opts: ConstructorParameters<typeof HlsOutput>[0] = {},
  hub = false,
): {
  out: HlsOutput;
  write: (au: AccessUnit, start: number) => void;
} {
  let nowMs = T0;
  const out = new HlsOutput({ ...opts, now: () => nowMs });
  const stream = hub
    ? new Stream({
        id: 'hls',
        source: { start: async () => {}, stop: () => {} },
        idleStopMs: Infinity,
        noMediaTimeoutMs: 0,
      })
    : undefined;
  stream?.onMedia((e) => out.mediaEvent(e));
  stream?.subscribe(out.sink, { viewer: false });
  return {
    out,
    write: (au, start) => {
      nowMs = T0 + ((au.dts - start) * 1000) / CLOCK_HZ;
      if (stream) {
        stream.publish(au);
      } else {
        out.sink.write(au);
      }
    },
  };
}

const mediaSequence = (text: string): number => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)![1]);
const extinfs = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('#EXTINF'));

test(
  'sliding window of 6: MEDIA-SEQUENCE follows the oldest listed segment; map, date-time and LL tags present',
  { skip },
  async () => {
    const start = 2 ** 33 - 5 * CLOCK_HZ; // near the 33-bit PES wrap, unwrapped: timestamps start anywhere
    const { out, write } = pacedOutput();
    const seen: number[] = [];
    let lastSegments = 0;
    for (const au of units({ start })) {
      write(au, start);
      if (out.info.segments !== lastSegments) {
        lastSegments = out.info.segments;
        const text = (await out.playlistText())!;
        seen.push(mediaSequence(text));
        assert.equal(extinfs(text).length, Math.min(6, lastSegments));
      }
    }
    assert.deepEqual(seen, [0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5]);
    const text = (await out.playlistText())!;
    const lines = text.split('\n');
    assert.equal(lines[0], '#EXTM3U');
    assert.ok(lines.includes('#EXT-X-TARGETDURATION:2'));
    assert.ok(lines.includes('#EXT-X-MAP:URI="init.mp4"'));
    assert.ok(lines.includes('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.000'));
    assert.ok(lines.includes('#EXT-X-PART-INF:PART-TARGET=0.33333'));
    assert.deepEqual(extinfs(text), Array(6).fill('#EXTINF:2.00000,'));
    assert.deepEqual(
      lines.filter((l) => /^\d+\.m4s$/.test(l)),
      ['5.m4s', '6.m4s', '7.m4s', '8.m4s', '9.m4s', '10.m4s'],
    );
    // PROGRAM-DATE-TIME is the wall clock of each segment's first frame: 2 s apart from T0
    const pdt = lines
      .filter((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME:'))
      .map((l) => Date.parse(l.slice(25)));
    assert.equal(pdt[0], T0 + 5 * 2000);
    assert.ok(pdt.every((t, i) => i === 0 || t - pdt[i - 1] === 2000));
    // parts of the open segment 11, a preload hint for its next part, independent first part
    assert.match(
      text,
      /#EXT-X-PART:DURATION=0\.32000,URI="11\.0\.m4s",INDEPENDENT=YES\n#EXT-X-PART:DURATION=0\.32000,URI="11\.1\.m4s"\n/,
    );
    assert.match(text, /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="11\.\d\.m4s"\n$/);
    // memory: the window plus one complete segment and the open one
    assert.equal(out.segment('3.m4s'), undefined);
    assert.ok(out.segment('4.m4s'));
    assert.ok(out.segment('10.m4s'));
    assert.ok(out.segment('11.0.m4s'));
    // a segment is its parts back to back: served as the part buffers themselves, not a copy
    const seg = out.segment('10.m4s')!;
    const chunks = out.segmentChunks('10.m4s')!;
    assert.equal(chunks.length, 7);
    let size = 0;
    for (let i = 0; i < 7; i++) {
      const part = out.segment(`10.${i}.m4s`)!;
      assert.equal(chunks[i], part, `chunk ${i} is part 10.${i}`);
      assert.deepEqual(seg.subarray(size, size + part.byteLength), part);
      size += part.byteLength;
    }
    assert.equal(size, seg.byteLength);
    assert.equal(out.segmentChunks('11.m4s'), undefined, 'the open segment is not served whole');
    assert.equal(out.info.videoCodec, 'avc1.42C00C');
    assert.equal(out.info.audioCodec, 'fLaC');
    assert.deepEqual([out.info.width, out.info.height], [320, 180]);
    out.close();
    assert.equal(out.init(), undefined);
    assert.equal(await out.playlistText(), undefined);
  },
);

test('blocking reload: _HLS_msn of the next segment waits until that segment exists', { skip }, async () => {
  const all = units();
  const { out, write } = pacedOutput({ blockTimeoutMs: 5000 });
  let i = 0;
  while (out.info.segments < 2) {
    write(all[i++], 0);
  }
  const pending = out.playlistText('video', { msn: 2 });
  let resolved: string | undefined;
  void pending.then((t) => (resolved = t));
  // feed up to just before the keyframe that closes segment 2
  while (!(all[i].keyframe && all[i].dts >= 6 * CLOCK_HZ)) {
    write(all[i++], 0);
    await Promise.resolve();
  }
  await new Promise((r) => setImmediate(r));
  assert.equal(resolved, undefined, 'answered before segment 2 existed');
  write(all[i++], 0); // the keyframe at 6 s closes segment 2
  const text = await pending;
  assert.ok(text!.includes('\n2.m4s\n'));
  assert.equal(mediaSequence(text!), 0);
  out.close();
});

test('blocking reload on a part, the preload hint request, and the bounded wait', { skip }, async () => {
  const all = units();
  const { out, write } = pacedOutput({ blockTimeoutMs: 300 });
  let i = 0;
  while (out.segment('0.1.m4s') === undefined) {
    write(all[i++], 0);
  }
  const partWait = out.playlistText('video', { msn: 0, part: 3 });
  const hinted = out.waitForSegmentChunks('0.2.m4s');
  let partDone = false;
  void partWait.then(() => (partDone = true));
  while (out.segment('0.2.m4s') === undefined) {
    write(all[i++], 0);
  }
  assert.ok((await hinted)![0].byteLength > 0);
  await new Promise((r) => setImmediate(r));
  assert.equal(partDone, false);
  while (out.segment('0.3.m4s') === undefined) {
    write(all[i++], 0);
  }
  assert.match((await partWait)!, /URI="0\.3\.m4s"/);
  // far in the future: answered anyway after the bound, with what exists
  const t0 = Date.now();
  const late = await out.playlistText('video', { msn: 1, part: 6 });
  assert.ok(Date.now() - t0 >= 250, 'did not wait');
  assert.match(late!, /URI="0\.3\.m4s"/);
  // beyond two segments or the advance part limit: refused at once (RFC 8216bis §6.2.5.2)
  const t2 = Date.now();
  assert.equal((await out.playlist('video', { msn: 3 })).kind, 'too-far');
  assert.equal((await out.playlist('video', { msn: 1, part: 7 })).kind, 'too-far');
  assert.ok(Date.now() - t2 < 100, 'a request too far ahead was held');
  // names far ahead are refused at once; a part past the end of a finished segment never comes
  assert.equal(await out.waitForSegmentChunks('9.0.m4s'), undefined);
  while (out.info.segments < 1) {
    write(all[i++], 0);
  }
  const t1 = Date.now();
  assert.equal(await out.waitForSegmentChunks('0.9.m4s'), undefined);
  assert.ok(Date.now() - t1 < 100);
  out.close();
});

test('the first playlist request waits (bounded) for the first part and is undefined without media', async () => {
  const out = new HlsOutput({ blockTimeoutMs: 100 });
  assert.equal(await out.playlistText(), undefined);
  assert.equal(await out.multivariantPlaylist(), undefined);
  out.close();
});

test(
  'behind the hub, joined mid-GOP: starts at the keyframe, keeps the audio just before it, rebases to its arrival second, works without audio',
  { skip },
  async () => {
    // join mid-GOP (frame 10) with audio running 1 s ahead of the first video unit
    const all = units({ start: 777_000, audioLead: CLOCK_HZ }).filter(
      (au) => au.codec === 'PCMA' || au.dts >= 777_000 + 10 * 3600,
    );
    const { out, write } = pacedOutput({ windowSegments: 100 }, true);
    for (const au of all) {
      write(au, 777_000);
    }
    const stats = (out.sink as unknown as { stats: Record<string, number> }).stats;
    assert.equal(stats.badKeyframes, 0, 'the hub handed over the keyframe first');
    // Audio reaches the sink until the stream shows video (1 s of lead + 0.4 s to frame 10, in
    // 20 ms units); from there the hub holds it back until the keyframe.
    assert.equal(stats.audioBeforeVideo, 70);
    assert.equal(out.info.audioCodec, 'fLaC');
    const seg0 = out.segment('0.m4s')!;
    // tfdt of the first video moof is the Unix second of its arrival (the keyframe 2 s into the
    // clip, at T0 + 2 s), not the camera's 777 000 ticks; version 1, 8-byte field
    const tfdt = Buffer.from(seg0).indexOf('tfdt');
    assert.equal(Buffer.from(seg0).readBigUInt64BE(tfdt + 8), BigInt((T0 / 1000 + 2) * CLOCK_HZ));
    out.close();

    const quiet = pacedOutput();
    for (const au of units({ audio: false })) {
      quiet.write(au, 0);
    }
    assert.equal(quiet.out.info.audioCodec, undefined);
    assert.equal(quiet.out.info.segments, 11);
    const master = (await quiet.out.multivariantPlaylist())!;
    assert.match(master, /CODECS="avc1\.42C00C",RESOLUTION=320x180,CLOSED-CAPTIONS=NONE\nmedia\.m3u8\n$/);
    quiet.out.close();
  },
);

test('a timestamp jump in the source keeps the output timeline continuous', { skip }, async () => {
  const all = units({ audio: false });
  const { out } = pacedOutput();
  for (const au of all) {
    // after 5 s the camera's clock jumps 1 hour ahead
    const jump = au.dts >= 5 * CLOCK_HZ ? 3600 * CLOCK_HZ : 0;
    out.sink.write({ ...au, pts: au.pts + jump, dts: au.dts + jump });
  }
  const text = (await out.playlistText())!;
  assert.deepEqual(extinfs(text), Array(6).fill('#EXTINF:2.00000,'));
  assert.equal((out.sink as unknown as { stats: Record<string, number> }).stats.timestampJumps, 1);
  out.close();
});

test('closing the sink (stream ended) flushes the open segment and ends the playlist', { skip }, async () => {
  const { out, write } = pacedOutput();
  for (const au of units().slice(0, 200)) {
    write(au, 0);
  }
  out.sink.close('stream-closed');
  const text = (await out.playlistText('video', { msn: 50 }))!;
  assert.ok(text.endsWith('#EXT-X-ENDLIST\n'));
  assert.ok(!text.includes('PRELOAD-HINT'));
  out.close();
});

test(
  'the audio rendition keeps step with the video: same segment numbers, parts within the part target, CMAF-continuous',
  { skip },
  async () => {
    // audio arriving 300 ms before the video of the same time, as PS muxers often send it
    const { out, write } = pacedOutput({ windowSegments: 100 });
    const partDurations: number[] = [];
    let seen = 0;
    const key = (au: AccessUnit) => au.dts - (au.codec === 'PCMA' ? 0.3 * CLOCK_HZ : 0);
    for (const au of units().sort((a, b) => key(a) - key(b))) {
      write(au, 0);
      if (out.info.segments !== seen) {
        seen = out.info.segments; // the parts listed near the live edge, segment by segment
        const text = (await out.playlistText('audio'))!;
        partDurations.push(...[...text.matchAll(/#EXT-X-PART:DURATION=([\d.]+)/g)].map((m) => Number(m[1])));
      }
    }
    out.sink.close('stream-closed');
    const video = (await out.playlistText('video'))!;
    const audio = (await out.playlistText('audio'))!;
    const segments = (text: string) => text.split('\n').filter((l) => /^(a-)?\d+\.m4s$/.test(l));
    assert.deepEqual(
      segments(audio),
      segments(video).map((s) => `a-${s}`),
      'segment n of audio and video cover the same time',
    );
    assert.ok(partDurations.length > 50, `${partDurations.length} parts seen`);
    assert.ok(
      partDurations.every((d) => d <= 1 / 3 + 0.01),
      `audio parts over the part target: ${partDurations.filter((d) => d > 0.34).join(', ')}`,
    );
    // the sums of EXTINF of both tracks stay within one audio frame of each other
    const total = (text: string) =>
      [...text.matchAll(/#EXTINF:([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    assert.ok(Math.abs(total(audio) - total(video)) <= 0.02 + 0.3, `${total(audio)} vs ${total(video)}`);
    out.close();
  },
);
