import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flacCrc8, flacCrc16 } from './flac-crc.js';
import { writeFlacFrame, codedNumber } from './flac-frame.js';
import { streamInfo, dfLaBox, flacSampleEntry } from './flac-entry.js';
import { FlacPacker } from './flac-packer.js';
import { concatBytes } from './box.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('FLAC CRC-8 and CRC-16 match the catalogue check values of "123456789"', () => {
  assert.equal(flacCrc8(ascii('123456789')), 0xf4); // CRC-8/SMBUS
  assert.equal(flacCrc16(ascii('123456789')), 0xfee8); // CRC-16/UMTS (BUYPASS)
  assert.equal(flacCrc8(new Uint8Array(0)), 0);
  assert.equal(
    flacCrc16(new Uint8Array([0xff, 0xf8])),
    flacCrc16(new Uint8Array([0xff, 0xf8, 0, 0]).subarray(0, 2)),
  );
});

test('coded frame numbers use the UTF-8-like code of RFC 9639 §9.1.5', () => {
  assert.deepEqual(codedNumber(0), [0x00]);
  assert.deepEqual(codedNumber(0x7f), [0x7f]);
  assert.deepEqual(codedNumber(0x80), [0xc2, 0x80]);
  assert.deepEqual(codedNumber(0x7ff), [0xdf, 0xbf]);
  assert.deepEqual(codedNumber(0x800), [0xe0, 0xa0, 0x80]);
  assert.deepEqual(codedNumber(0x10000), [0xf0, 0x90, 0x80, 0x80]);
  assert.deepEqual(codedNumber(0x7fffffff), [0xfd, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf]);
  // Sample numbers take up to 36 bits: the 7-byte form, lead 0xFE.
  assert.deepEqual(codedNumber(0x80000000), [0xfe, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80]);
  assert.deepEqual(codedNumber(2 ** 36 - 1), [0xfe, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf]);
});

test('a variable-blocksize frame sets the strategy bit and numbers its first sample', () => {
  const f = writeFlacFrame([new Int16Array(175)], { sampleRate: 8000, sampleNumber: 320 });
  // ff f9: sync + variable blocksize | 64: 8-bit block size follows, 8 kHz | 08: mono, 16 bits
  // c5 80: sample number 320 (0b101_000000) | ae: block size - 1 = 174 | CRC-8
  assert.equal(hex(f.subarray(0, 8)), 'fff96408c580ae' + hex(f.subarray(7, 8)));
  assert.equal(f[7], flacCrc8(f, 0, 7));
  assert.equal(flacCrc16(f), 0);
  const wrapped = writeFlacFrame([new Int16Array(16)], { sampleRate: 8000, sampleNumber: 2 ** 36 + 5 });
  assert.equal(wrapped[4], 5, 'sample numbers wrap at 2^36');
});

test('a VERBATIM frame of 160 mono samples at 8 kHz has the expected header, body and CRCs', () => {
  const pcm = new Int16Array(160);
  for (let i = 0; i < 160; i++) {
    pcm[i] = i * 200 - 16000;
  }
  const f = writeFlacFrame([pcm], { sampleRate: 8000, frameNumber: 3 });
  // ff f8: sync + fixed blocksize | 64: block size "8 bit follows", 8 kHz | 08: mono, 16 bits
  // 03: frame number | 9f: block size - 1 = 159 | CRC-8
  assert.equal(hex(f.subarray(0, 6)), 'fff86408039f');
  assert.equal(f[6], flacCrc8(f, 0, 6));
  assert.equal(f[7], 0x02); // subframe header: VERBATIM, no wasted bits
  assert.equal(hex(f.subarray(8, 12)), 'c180c248'); // -16000, -15800 big-endian
  assert.equal(f.byteLength, 7 + 1 + 320 + 2);
  const crc = flacCrc16(f, 0, f.byteLength - 2);
  assert.equal((f[f.byteLength - 2] << 8) | f[f.byteLength - 1], crc);
  // The CRC-16 over a whole frame including its own CRC is 0 (property of an unreflected CRC).
  assert.equal(flacCrc16(f), 0);
});

test('block sizes and rates with table codes use them; others follow the header', () => {
  const f = writeFlacFrame([new Int16Array(4096)], { sampleRate: 48000, frameNumber: 0 });
  assert.equal(f[2], 0xca); // 1100 = 256*2^4 = 4096, 1010 = 48 kHz
  const g = writeFlacFrame([new Int16Array(300), new Int16Array(300)], {
    sampleRate: 11025,
    frameNumber: 200,
  });
  assert.equal(g[2], 0x7d); // 0111 = 16-bit size follows, 1101 = 16-bit Hz follows
  assert.equal(g[3], 0x18); // 2 independent channels, 16 bits
  assert.equal(hex(g.subarray(4, 10)), 'c388012b2b11'); // frame 200, 299, 11025
});

test('STREAMINFO and dfLa for 8 kHz mono 16-bit, block 160', () => {
  const si = { minBlockSize: 160, maxBlockSize: 160, sampleRate: 8000, channels: 1, bitsPerSample: 16 };
  assert.equal(
    hex(streamInfo(si)),
    '00a000a0' + '000000' + '000000' + '01f400f0' + '00000000' + '00'.repeat(16),
  );
  const d = dfLaBox(si);
  // size 0x32 = 8 + 4 + 4 + 34 | 'dfLa' | v0 flags 0 | last + STREAMINFO, length 34
  assert.equal(hex(d.subarray(0, 16)), '00000032' + '64664c61' + '00000000' + '80000022');
  const e = flacSampleEntry(si);
  assert.equal(hex(e.subarray(4, 8)), '664c6143'); // 'fLaC'
  assert.equal(
    hex(e.subarray(8, 36)),
    '000000000000' + '0001' + '0000000000000000' + '0001' + '0010' + '0000' + '0000' + '1f400000',
  );
  assert.equal(e.byteLength, 8 + 28 + d.byteLength);
});

test('ffmpeg decodes packed frames back to the same PCM with CRC checks on', (t) => {
  if (spawnSync('ffmpeg', ['-version']).status !== 0) {
    return t.skip('ffmpeg missing');
  }
  const rate = 8000;
  const pcm = new Int16Array(rate); // 1 s of a 440 Hz sine plus the extremes
  for (let i = 0; i < pcm.length; i++) {
    pcm[i] = Math.round(20000 * Math.sin((2 * Math.PI * 440 * i) / rate));
  }
  pcm[5] = 32767;
  pcm[6] = -32768;
  const packer = new FlacPacker({ sampleRate: rate });
  const frames = [
    ...packer.push({ pcm: pcm.subarray(0, 333), time: 0 }),
    ...packer.push({ pcm: pcm.subarray(333), time: 333 }),
  ];
  assert.equal(frames.length, 50);
  assert.deepEqual(
    frames.slice(0, 3).map((f) => f.time),
    [0, 160, 320],
  );
  const si = streamInfo({
    minBlockSize: 160,
    maxBlockSize: 160,
    sampleRate: rate,
    channels: 1,
    bitsPerSample: 16,
  });
  const file = concatBytes([
    ascii('fLaC'),
    new Uint8Array([0x80, 0, 0, 34]),
    si,
    ...frames.map((f) => f.data),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'flac-'));
  try {
    writeFileSync(join(dir, 'a.flac'), file);
    const r = spawnSync(
      'ffmpeg',
      ['-v', 'error', '-err_detect', 'crccheck+explode', '-i', join(dir, 'a.flac'), '-f', 's16le', '-'],
      {
        maxBuffer: 1 << 24,
      },
    );
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(r.stderr.toString(), '');
    const out = new Int16Array(
      r.stdout.buffer.slice(r.stdout.byteOffset, r.stdout.byteOffset + r.stdout.byteLength),
    );
    assert.deepEqual(out, pcm);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the packer trims samples before time 0 and restarts its grid on a jump', () => {
  const p = new FlacPacker({ sampleRate: 8000, blockSize: 160 });
  assert.deepEqual(p.push({ pcm: new Int16Array(100), time: -100 }), []);
  const a = p.push({ pcm: new Int16Array(200), time: -40 }); // 160 kept from time 0
  assert.deepEqual(
    a.map((f) => f.time),
    [0],
  );
  const b = p.push({ pcm: new Int16Array(160), time: 5000 }); // jump: partial dropped
  assert.deepEqual(
    b.map((f) => f.time),
    [5000],
  );
  assert.equal(p.stats.resyncs, 1);
  assert.equal(p.stats.droppedSamples, 100 + 40 + 0);
});
