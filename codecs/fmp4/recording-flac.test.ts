// Recordings' G.711 as FLAC for browsers (recording-flac.ts): a recording written by the
// recorder's own writer (file-writer.ts) converts fragment by fragment into FLAC frames that
// decode back bit-exact to the G.711 samples, at the same 8 kHz decode times; a file without
// audio gives silence over its video; bad input gives undefined, never a throw.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alawToLinear, ulawToLinear } from '../g711/g711.js';
import { readBoxes, sampleEntryTypes } from './box.js';
import { flacCrc8, flacCrc16 } from './flac-crc.js';
import { readHeaderTracks } from './recording-tracks.js';
import { readTrackRuns, type FragmentRuns } from './track-runs.js';
import { recordingAudio, recordingFlacFragment, recordingFlacInit } from './recording-flac.js';
import { seededRandom, randomInt } from '../../test/helpers/random.js';
import { haveFfmpeg, run } from '../../test/helpers/media-clip.js';
import { syntheticRecording as record } from '../../test/helpers/recording-file.js';

/** An independent reader of one VERBATIM mono 16-bit frame (RFC 9639 §9), checking both CRCs. */
function readFrame(f: Uint8Array): { sampleNumber: number; pcm: Int16Array } {
  assert.deepEqual([f[0], f[1]], [0xff, 0xf9], 'sync code, variable-blocksize strategy');
  assert.equal(f[2] & 0x0f, 4, '8 kHz rate code');
  assert.equal(f[3], 0x08, 'mono, 16 bits');
  let at = 4;
  const ones = Math.clz32(~(f[at] << 24)); // leading 1 bits of the coded number's first byte
  let n = ones === 0 ? f[at] : f[at] & (0xff >> (ones + 1));
  for (let i = 1; i < Math.max(1, ones); i++) {
    n = n * 64 + (f[at + i] & 0x3f);
  }
  at += Math.max(1, ones);
  const code = f[2] >> 4;
  let size: number;
  if (code === 6) {
    size = f[at++] + 1;
  } else if (code === 7) {
    size = ((f[at] << 8) | f[at + 1]) + 1;
    at += 2;
  } else {
    assert.ok(code >= 8, `block size code ${code}`);
    size = 256 << (code - 8);
  }
  assert.equal(f[at], flacCrc8(f, 0, at), 'CRC-8');
  assert.equal(f[at + 1], 0x02, 'VERBATIM subframe');
  const body = at + 2;
  assert.equal(f.byteLength, body + 2 * size + 2);
  assert.equal(flacCrc16(f), 0, 'CRC-16');
  const pcm = new Int16Array(size);
  for (let i = 0; i < size; i++) {
    pcm[i] = (f[body + 2 * i] << 8) | f[body + 2 * i + 1];
  }
  return { sampleNumber: n, pcm };
}

const DIR = mkdtempSync(join(tmpdir(), 'recording-flac-'));
after(() => rmSync(DIR, { recursive: true, force: true }));

for (const [law, entry, linear] of [
  ['PCMA', 'alaw', alawToLinear],
  ['PCMU', 'ulaw', ulawToLinear],
] as const) {
  test(`${law}: every fragment's FLAC frames decode to the G.711 samples at their own 8 kHz times`, () => {
    const rec = record(law);
    const audio = recordingAudio(rec.header);
    assert.deepEqual(audio, { trackId: 2, law: entry, video: { id: 1, timescale: 90_000 } });
    const init = recordingFlacInit(audio);
    assert.deepEqual(sampleEntryTypes(init, 0), ['fLaC']);
    assert.deepEqual(readHeaderTracks(init), [
      { id: 2, handler: 'soun', timescale: 8000, sampleEntry: 'fLaC', channels: 1 },
    ]);

    const decoded = new Map<number, number>();
    let trafs = 0;
    for (const fragment of rec.fragments) {
      const source = readTrackRuns(fragment, 2)!;
      const out: Uint8Array = recordingFlacFragment(fragment, audio)!;
      assert.deepEqual(
        readBoxes(out).map((b) => b.type),
        ['moof', 'mdat'],
      );
      const flac = readTrackRuns(out, 2)!;
      assert.equal(readTrackRuns(out, 1)?.runs.length, 0, 'no video left');
      assert.equal(flac.sequence, source.sequence);
      // The same trafs at the same decode times, lasting as long.
      assert.deepEqual(
        flac.runs.map((r) => [r.baseMediaDecodeTime, r.samples.reduce((n, s) => n + s.duration, 0)]),
        source.runs.map((r) => [r.baseMediaDecodeTime, r.samples.reduce((n, s) => n + s.duration, 0)]),
      );
      for (const r of flac.runs) {
        trafs++;
        let time = r.baseMediaDecodeTime;
        for (const s of r.samples) {
          const frame = readFrame(s.data);
          assert.equal(frame.sampleNumber, time, 'the frame numbers its first sample');
          assert.equal(frame.pcm.length, s.duration);
          assert.ok(s.duration >= 16 && s.duration <= 175, `block of ${s.duration}`);
          frame.pcm.forEach((v, i) => decoded.set(time + i, v));
          time += s.duration;
        }
      }
    }
    assert.ok(trafs > rec.fragments.length, 'the hole made a second traf');
    assert.ok(decoded.size > 5 * 8000, `${decoded.size} samples`);
    for (const [time, v] of decoded) {
      const code = rec.g711.get(time);
      assert.ok(code !== undefined, `no G.711 sample at ${time}`);
      assert.equal(v, linear(code), `sample at ${time}`);
    }
    // Only what the writer cut after the last video frame is missing.
    const last = Math.max(...decoded.keys());
    for (const time of rec.g711.keys()) {
      assert.ok(time > last || decoded.has(time), `sample ${time} lost`);
    }
  });
}

test('ffprobe reads the FLAC track and ffmpeg decodes it to the PCM it decodes from the G.711 file', (t) => {
  if (!haveFfmpeg()) {
    return t.skip('ffmpeg missing');
  }
  const rec = record('PCMA', 11);
  const audio = recordingAudio(rec.header)!;
  writeFileSync(join(DIR, 'rec.mp4'), Buffer.concat([rec.header, ...rec.fragments]));
  const flac = [recordingFlacInit(audio), ...rec.fragments.map((f) => recordingFlacFragment(f, audio)!)];
  writeFileSync(join(DIR, 'flac.mp4'), Buffer.concat(flac));
  const probe = run('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', join(DIR, 'flac.mp4')]);
  assert.equal(probe.status, 0, probe.stderr);
  const [s] = (JSON.parse(probe.stdout.toString()) as { streams: Record<string, unknown>[] }).streams;
  assert.deepEqual([s.codec_name, s.sample_rate, s.channels], ['flac', '8000', 1]);
  const pcm = (file: string) =>
    run('ffmpeg', [
      '-v',
      'error',
      '-err_detect',
      'crccheck+explode',
      '-i',
      join(DIR, file),
      '-map',
      '0:a',
      '-f',
      's16le',
      '-',
    ]);
  const fromFlac = pcm('flac.mp4');
  const fromG711 = pcm('rec.mp4');
  assert.equal(fromFlac.status, 0, fromFlac.stderr);
  assert.equal(fromFlac.stderr, '');
  assert.ok(fromFlac.stdout.byteLength > 2 * 5 * 8000);
  assert.ok(fromFlac.stdout.equals(fromG711.stdout), 'ffmpeg decodes different PCM');
});

test("a recording without audio gives silence over each fragment's video time", () => {
  const rec = record(undefined);
  const audio = recordingAudio(rec.header);
  assert.deepEqual(audio, { trackId: 2, video: { id: 1, timescale: 90_000 } });
  let next = 0;
  for (const fragment of rec.fragments) {
    const video = readTrackRuns(fragment, 1)!.runs[0];
    const out: FragmentRuns = readTrackRuns(recordingFlacFragment(fragment, audio)!, 2)!;
    assert.equal(out.runs.length, 1);
    const run0 = out.runs[0];
    const duration = run0.samples.reduce((n, s) => n + s.duration, 0);
    const videoEnd = video.baseMediaDecodeTime + video.samples.reduce((n, s) => n + s.duration, 0);
    assert.equal(run0.baseMediaDecodeTime, next, 'fragments follow each other without a hole');
    assert.equal(run0.baseMediaDecodeTime, Math.round((video.baseMediaDecodeTime * 8000) / 90_000));
    assert.equal(run0.baseMediaDecodeTime + duration, Math.round((videoEnd * 8000) / 90_000));
    for (const s of run0.samples) {
      assert.ok(readFrame(s.data).pcm.every((v) => v === 0));
    }
    next += duration;
  }
  assert.equal(next, 6 * 8000, '6 s of video, 6 s of silence');
});

test('headers it cannot carry exactly give undefined', () => {
  const { header } = record('PCMA');
  assert.equal(recordingAudio(header.subarray(0, header.byteLength - 1)), undefined, 'moov cut');
  assert.equal(recordingAudio(new Uint8Array(0)), undefined);
  const at = (text: string) => Buffer.from(header).indexOf(text);
  const rate = Uint8Array.from(header);
  // The audio mdhd (the second one): timescale 16000 instead of 8000.
  const mdhd2 = Buffer.from(rate).indexOf('mdhd', at('mdhd') + 4);
  rate.set([0, 0, 0x3e, 0x80], mdhd2 + 16);
  assert.equal(recordingAudio(rate), undefined, 'not 8 kHz');
  const stereo = Uint8Array.from(header);
  stereo[at('alaw') + 4 + 16 + 1] = 2; // channelcount
  assert.equal(recordingAudio(stereo), undefined, 'stereo');
});

test('fragments it cannot read give undefined, and no corruption throws', () => {
  const rec = record('PCMU', 3);
  const audio = recordingAudio(rec.header)!;
  const fragment = rec.fragments[1];
  assert.equal(
    recordingFlacFragment(fragment.subarray(0, fragment.byteLength - 1), audio),
    undefined,
    'mdat cut',
  );
  assert.equal(recordingFlacFragment(rec.header, audio), undefined, 'a header is no fragment');
  // An audio sample whose duration is not its byte count is not mono 8 kHz G.711.
  const moof = readBoxes(fragment)[0];
  const trafs = Buffer.from(fragment.subarray(0, moof.end));
  const audioTfhd = trafs.indexOf(
    Buffer.from([0, 0, 0, 2]),
    trafs.indexOf('tfhd', trafs.indexOf('tfhd') + 4),
  );
  const trun = trafs.indexOf('trun', audioTfhd);
  const odd = Uint8Array.from(fragment);
  odd[trun + 16 + 3] ^= 1; // the first sample's duration
  assert.equal(recordingFlacFragment(odd, audio), undefined, 'duration != size');

  const rand = seededRandom(99);
  let converted = 0;
  for (let i = 0; i < 2000; i++) {
    const bad = Uint8Array.from(fragment);
    for (let k = randomInt(rand, 1, 4); k > 0; k--) {
      bad[randomInt(rand, 0, moof.end - 1)] = randomInt(rand, 0, 255);
    }
    const cut = rand() < 0.3 ? bad.subarray(0, randomInt(rand, 0, bad.byteLength)) : bad;
    const out = recordingFlacFragment(cut, audio);
    converted += out ? 1 : 0;
  }
  assert.ok(converted > 0 && converted < 2000, `${converted} of 2000 mutated fragments converted`);
});
