// The export mode of the fMP4 writer against Debian's ffmpeg: G.711 in its own 'ulaw'/'alaw'
// sample entry is read as pcm_mulaw/pcm_alaw, the file is copied into MOV and MKV without
// -strict and without a warning, and the audio decodes to exactly what the camera sent.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fmp4FileWriter } from './file-writer.js';
import { readBoxes, sampleEntryTypes } from './box.js';
import { audioBytes, haveFfmpeg, interleave, makeClip, run } from '../../test/helpers/media-clip.js';

const skip = !haveFfmpeg() && !process.env.CI ? 'ffmpeg missing' : false;
const dir = mkdtempSync(join(tmpdir(), 'fmp4-export-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Stream {
  codec_type: string;
  codec_name: string;
  codec_tag_string: string;
  sample_rate?: string;
  channels?: number;
  width?: number;
}

for (const [video, audio, law, decoder] of [
  ['H264', 'PCMU', 'ulaw', 'mulaw'],
  ['H265', 'PCMA', 'alaw', 'alaw'],
] as const) {
  test(
    `${video} + ${audio}: ffprobe reads both tracks, -c copy to MOV and MKV is clean, audio is bit-exact`,
    { skip },
    () => {
      const clip = makeClip({ codec: video, width: 320, height: 180, seconds: 6, audio });
      const writer = new Fmp4FileWriter({ audio });
      const chunks: Uint8Array[] = [];
      for (const au of interleave(clip, { start: 5_000_000 })) {
        chunks.push(...writer.push(au));
      }
      chunks.push(...writer.flush());
      const file = Buffer.concat(chunks);
      assert.deepEqual(sampleEntryTypes(chunks[0], 1), [law]);
      assert.equal(writer.stats.fragments, 3, 'one fragment per 2 s GOP');
      assert.deepEqual([...new Set(readBoxes(file).map((b) => b.type))], ['ftyp', 'moov', 'moof', 'mdat']);
      const path = join(dir, `${video}.mp4`);
      writeFileSync(path, file);

      const probe = run('ffprobe', ['-v', 'warning', '-show_streams', '-of', 'json', path]);
      assert.equal(probe.status, 0, probe.stderr);
      assert.equal(probe.stderr, '', 'ffprobe warned');
      const streams = (JSON.parse(probe.stdout.toString()) as { streams: Stream[] }).streams;
      assert.deepEqual(
        streams.map((s) => [s.codec_type, s.codec_name, s.codec_tag_string]),
        [
          ['video', video === 'H264' ? 'h264' : 'hevc', video === 'H264' ? 'avc1' : 'hvc1'],
          ['audio', `pcm_${decoder}`, law],
        ],
      );
      assert.deepEqual([streams[1].sample_rate, streams[1].channels], ['8000', 1]);

      for (const ext of ['mov', 'mkv']) {
        const out = join(dir, `${video}-copy.${ext}`);
        const copy = run('ffmpeg', ['-v', 'warning', '-y', '-i', path, '-c', 'copy', out]);
        assert.equal(copy.status, 0, copy.stderr);
        assert.equal(copy.stderr, '', `ffmpeg -c copy to ${ext} warned`);
      }

      // the G.711 bytes come back unchanged (µ-law/A-law passthrough), video decodes without error
      const back = run('ffmpeg', [
        '-v',
        'error',
        '-i',
        path,
        '-map',
        '0:a',
        '-c',
        'copy',
        '-f',
        decoder,
        '-',
      ]);
      assert.equal(back.status, 0, back.stderr);
      assert.ok(Buffer.from(audioBytes(clip.audio)).equals(back.stdout), 'audio bytes differ');
      const dec = run('ffmpeg', ['-v', 'error', '-xerror', '-i', path, '-map', '0:v', '-f', 'null', '-']);
      assert.equal(dec.status, 0, dec.stderr);
      assert.equal(dec.stderr, '');
    },
  );
}
