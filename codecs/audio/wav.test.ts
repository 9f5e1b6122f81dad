import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex } from '../bytes/hex.js';
import { seededRandom, randomInt } from '../../test/helpers/random.js';
import { parseWav, writeWav } from './wav.js';

// A stereo 44.1 kHz file as ffmpeg writes it: a LIST chunk between fmt and data.
const ffmpegStereo = fromHex(`
  52 49 46 46  // "RIFF"
  3a 00 00 00  // RIFF size 58
  57 41 56 45  // "WAVE"
  66 6d 74 20  // "fmt "
  10 00 00 00  // chunk size 16
  01 00        // format 1: linear PCM
  02 00        // 2 channels
  44 ac 00 00  // 44100 Hz
  10 b1 02 00  // byte rate 176400
  04 00        // block align 4
  10 00        // 16 bits per sample
  4c 49 53 54  // "LIST"
  0d 00 00 00  // chunk size 13 (odd: one pad byte follows)
  49 4e 46 4f 49 53 46 54 05 00 00 00 4c  // "INFO" "ISFT" 5 "L" (truncated tag, as found)
  00           // pad byte
  64 61 74 61  // "data"
  08 00 00 00  // 8 bytes: two frames
  01 00 ff ff  // frame 0: L = 1, R = -1
  00 80 ff 7f  // frame 1: L = -32768, R = 32767
`);

test('reads a stereo ffmpeg WAV with a LIST chunk and a pad byte', () => {
  const r = parseWav(ffmpegStereo);
  assert.ok(r.ok, r.ok ? '' : r.detail);
  assert.equal(r.value.sampleRate, 44100);
  assert.equal(r.value.channels, 2);
  assert.equal(r.value.frames, 2);
  assert.deepEqual([...r.value.samples], [1, -1, -32768, 32767]);
});

// WAVE_FORMAT_EXTENSIBLE with the PCM sub-format GUID, mono 16 kHz; the data size is 0xFFFFFFFF
// (a streaming writer that never went back) and the body ends in half a sample.
const extensibleStreaming = fromHex(`
  52 49 46 46 ff ff ff ff 57 41 56 45  // "RIFF" size unknown "WAVE"
  66 6d 74 20 28 00 00 00              // "fmt " 40
  fe ff                                // 0xFFFE extensible
  01 00 80 3e 00 00 00 7d 00 00 02 00 10 00  // mono, 16000 Hz, 32000 B/s, align 2, 16 bits
  16 00 10 00 04 00 00 00              // cbSize 22, valid bits 16, channel mask 4 (centre)
  01 00 00 00 00 00 10 00 80 00 00 aa 00 38 9b 71  // KSDATAFORMAT_SUBTYPE_PCM
  64 61 74 61 ff ff ff ff              // "data" size unknown
  10 00 20 00 30                       // 16, 32, then half a sample
`);

test('reads WAVE_FORMAT_EXTENSIBLE PCM with unknown sizes, dropping the half sample', () => {
  const r = parseWav(extensibleStreaming);
  assert.ok(r.ok, r.ok ? '' : r.detail);
  assert.equal(r.value.sampleRate, 16000);
  assert.equal(r.value.channels, 1);
  assert.deepEqual([...r.value.samples], [16, 32]);
});

test('refuses what a G.711 speaker cannot get without a decoder, saying why', () => {
  const mutate = (at: number, bytes: number[]) => {
    const copy = ffmpegStereo.slice();
    copy.set(bytes, at);
    return parseWav(copy);
  };
  const errorOf = (r: ReturnType<typeof parseWav>) => (r.ok ? 'ok' : r.error);
  assert.equal(errorOf(mutate(20, [3, 0])), 'not-pcm', 'format 3: IEEE float');
  assert.equal(errorOf(mutate(34, [8, 0])), 'bits', '8-bit samples');
  assert.equal(errorOf(mutate(22, [6, 0])), 'channels', '5.1');
  assert.equal(errorOf(mutate(24, [0x40, 0x1f, 0, 0])), 'ok', '8000 Hz');
  assert.equal(errorOf(mutate(24, [0x00, 0x71, 0x02, 0x00])), 'ok', '160000 Hz');
  assert.equal(errorOf(mutate(24, [0x00, 0xdc, 0x05, 0x00])), 'rate', '384000 Hz');
  assert.equal(errorOf(mutate(24, [0x9f, 0x0f, 0, 0])), 'rate', '3999 Hz: below the 4 kHz floor');
  assert.equal(errorOf(parseWav(fromHex('52 49 46 46 04 00 00 00 41 56 49 20'))), 'not-riff', 'RIFF AVI');
  assert.equal(errorOf(parseWav(new TextEncoder().encode('{"json": true}'))), 'not-riff');
});

test('data before fmt, no data, and a data chunk without a whole frame are errors', () => {
  const dataFirst = fromHex('52 49 46 46 00 00 00 00 57 41 56 45 64 61 74 61 02 00 00 00 01 00');
  const r1 = parseWav(dataFirst);
  assert.equal(r1.ok ? 'ok' : r1.error, 'no-fmt');
  const r2 = parseWav(ffmpegStereo.subarray(0, 36 + 22));
  assert.equal(r2.ok ? 'ok' : r2.error, 'no-data');
  const r3 = parseWav(ffmpegStereo.subarray(0, ffmpegStereo.length - 6)); // 2 of 4 frame bytes
  assert.equal(r3.ok ? 'ok' : r3.error, 'no-data');
});

test('round trip: writeWav then parseWav gives the samples back', () => {
  const rand = seededRandom(7);
  for (let run = 0; run < 50; run++) {
    const channels = rand() < 0.5 ? 1 : 2;
    const frames = randomInt(rand, 1, 500);
    const samples = Int16Array.from({ length: frames * channels }, () => randomInt(rand, -32768, 32767));
    const rate = randomInt(rand, 4000, 192000);
    const r = parseWav(writeWav(samples, rate, channels));
    assert.ok(r.ok);
    assert.equal(r.value.sampleRate, rate);
    assert.equal(r.value.channels, channels);
    assert.deepEqual(r.value.samples, samples);
  }
});

test('every truncation and random corruption is answered, never thrown', () => {
  for (let n = 0; n <= ffmpegStereo.length; n++) {
    const r = parseWav(ffmpegStereo.subarray(0, n));
    assert.equal(typeof r.ok, 'boolean');
  }
  const rand = seededRandom(11);
  for (let run = 0; run < 2000; run++) {
    const copy = ffmpegStereo.slice();
    for (let k = randomInt(rand, 1, 6); k > 0; k--) {
      copy[randomInt(rand, 0, copy.length - 1)] = randomInt(rand, 0, 255);
    }
    const r = parseWav(copy);
    if (r.ok) {
      assert.ok(r.value.frames > 0 && r.value.samples.length === r.value.frames * r.value.channels);
    }
  }
});
