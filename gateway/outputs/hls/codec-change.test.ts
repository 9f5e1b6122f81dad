// A camera that switches H.264 → H.265 → H.264 mid-stream (a reboot into another encoder
// profile, or another sender taking over), fed through the hub as the gateway wires it: the
// HLS output keeps going with a new init segment after each change, listed behind
// EXT-X-DISCONTINUITY and its own EXT-X-MAP, and ffprobe reads every segment and every part
// with the init segment the playlist names for it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLOCK_HZ, type AccessUnit } from '../../../codecs/types.js';
import { Stream } from '../../hub/stream.js';
import { HlsOutput } from './hls-output.js';
import { haveFfmpeg, interleave, makeClip, run, type TestClip } from '../../../test/helpers/media-clip.js';

const skip = !haveFfmpeg() && !process.env.CI ? 'ffmpeg missing' : false;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** One playlist entry as a player reads it: the URI and the EXT-X-MAP in force. */
interface Entry {
  uri: string;
  map: string;
  discontinuity: boolean;
}

function entries(playlist: string): Entry[] {
  const out: Entry[] = [];
  let map = '';
  let discontinuity = false;
  for (const line of playlist.split('\n')) {
    const m = /^#EXT-X-MAP:URI="([^"]+)"/.exec(line);
    const part = /^#EXT-X-PART:.*URI="([^"]+)"/.exec(line);
    if (m) {
      map = m[1];
    } else if (line === '#EXT-X-DISCONTINUITY') {
      discontinuity = true;
    } else if (part) {
      out.push({ uri: part[1], map, discontinuity: false });
    } else if (line && !line.startsWith('#')) {
      out.push({ uri: line, map, discontinuity });
      discontinuity = false;
    }
  }
  return out;
}

function probe(file: string): { codec: string; packets: number; frames: number; errors: string } {
  const r = run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=codec_name,nb_read_frames,nb_read_packets',
    '-count_packets',
    '-of',
    'json',
    file,
  ]);
  const s = (JSON.parse(r.stdout.toString()) as { streams: Record<string, string>[] }).streams[0] ?? {};
  return {
    codec: s.codec_name ?? '',
    packets: Number(s.nb_read_packets ?? 0),
    frames: Number(s.nb_read_frames ?? 0),
    errors: r.stderr.trim(),
  };
}

test(
  'H.264 → H.265 → H.264 behind the hub: a discontinuity and a new init at each change; ffprobe reads every segment and part',
  { skip, timeout: 60_000 },
  async () => {
    const clips: Record<'H264' | 'H265', TestClip> = {
      H264: makeClip({ codec: 'H264', width: 320, height: 180, seconds: 4, audio: 'PCMA' }),
      H265: makeClip({ codec: 'H265', width: 480, height: 270, seconds: 4, audio: 'PCMA' }),
    };
    // 4 s of each, back to back on one timeline; the switch lands on each clip's first keyframe.
    const aus: AccessUnit[] = [];
    (['H264', 'H265', 'H264'] as const).forEach((codec, i) =>
      aus.push(...interleave(clips[codec], { start: 1_000_000 + i * 4 * CLOCK_HZ })),
    );
    const out = new HlsOutput({ windowSegments: 100 });
    const stream = new Stream({
      id: 'cam',
      source: { start: () => Promise.resolve(), stop: () => {} },
      idleStopMs: Infinity,
      noMediaTimeoutMs: 0,
    });
    stream.onMedia((e) => out.mediaEvent(e)); // as gateway/media-plane/media-plane.ts attaches it
    stream.subscribe(out.sink, { viewer: false });
    for (const au of aus) {
      stream.publish(au);
    }
    stream.close('end of clip'); // flushes the open segment and ends the playlist
    const playlist = (await out.playlistText())!;
    assert.equal(stream.info.codecChanges, 2);
    assert.equal(out.info.discontinuities, 2);

    const list = entries(playlist);
    const segments = list.filter((e) => !e.uri.split('.m4s')[0].includes('.'));
    assert.equal(segments.length, 6, playlist);
    assert.deepEqual(
      segments.map((s) => [s.map, s.discontinuity]),
      [
        ['init.mp4', false],
        ['init.mp4', false],
        ['init.1.mp4', true],
        ['init.1.mp4', false],
        ['init.2.mp4', true],
        ['init.2.mp4', false],
      ],
      playlist,
    );
    assert.equal(playlist.split('\n').filter((l) => l === '#EXT-X-DISCONTINUITY').length, 2);

    const dir = mkdtempSync(join(tmpdir(), 'hls-codec-change-'));
    dirs.push(dir);
    const want = ['h264', 'h264', 'hevc', 'hevc', 'h264', 'h264'];
    // A segment alone with its init; a part after the parts of its segment before it (a
    // player decodes a dependent part only after those).
    let n = 0;
    const partsSoFar = new Map<number, Uint8Array[]>();
    for (const e of list) {
      const init = out.segment(e.map);
      const media = out.segment(e.uri);
      assert.ok(init && media, `${e.map} + ${e.uri} in memory`);
      const segment = Number(e.uri.split('.')[0]);
      const isPart = e.uri.split('.').length === 3;
      const before = isPart ? (partsSoFar.get(segment) ?? []) : [];
      if (isPart) {
        partsSoFar.set(segment, [...before, media]);
      }
      const file = join(dir, `${n++}-${e.uri}.mp4`);
      writeFileSync(file, Buffer.concat([init, ...before, media]));
      const p = probe(file);
      const detail = `${e.uri} with ${e.map}: ${JSON.stringify(p)}`;
      assert.equal(p.codec, want[segment], detail);
      assert.ok(p.packets > 0 && p.frames === p.packets, detail);
      assert.equal(p.errors, '', detail);
    }
    assert.ok(n > 12, `${n} files read`);
  },
);
