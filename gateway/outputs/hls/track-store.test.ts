// The track store's playlist arithmetic and numbering, on synthetic parts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrackStore } from './track-store.js';

const store = (window = 100) =>
  new TrackStore({
    track: 'video',
    timescale: 90_000,
    targetDurationSec: 2,
    partTargetSec: 1 / 3,
    window,
    lowLatency: true,
    blockMs: 50,
  });

const sum = (values: string[]) => values.reduce((n, v) => n + Math.round(Number(v) * 100_000), 0);

test('29.97 fps: part DURATIONs add up to their EXTINF, and EXTINFs to the media time, to the 10 µs', async () => {
  const s = store();
  s.addInit(new Uint8Array(8));
  // 3003 ticks per frame (NTSC), 10 frames per part, 6 parts per segment: no value is a round decimal
  let t = 0;
  for (let msn = 0; msn < 30; msn++) {
    for (let p = 0; p < 6; p++) {
      s.addPart({ bytes: new Uint8Array(1), start: t, end: t + 30_030, independent: p === 0 }, 0, msn);
      t += 30_030;
    }
    s.closeSegment();
  }
  const text =
    (await s.playlist()).kind === 'playlist' ? ((await s.playlist()) as { text: string }).text : '';
  const extinfs = [...text.matchAll(/#EXTINF:([\d.]+),/g)].map((m) => m[1]);
  assert.equal(extinfs.length, 30);
  // every run of EXTINF sums to the exact media time between its ends (rounded once)
  assert.equal(sum(extinfs), Math.round((t * 100_000) / 90_000));
  assert.equal(
    sum(extinfs.slice(7, 19)),
    Math.round((19 * 180_180 * 100_000) / 90_000) - Math.round((7 * 180_180 * 100_000) / 90_000),
  );
  // the parts of the last listed segments add up to its EXTINF
  const last = text.slice(text.lastIndexOf('#EXT-X-PROGRAM-DATE-TIME'));
  const parts = [...last.matchAll(/#EXT-X-PART:DURATION=([\d.]+)/g)].map((m) => m[1]);
  assert.equal(parts.length, 6);
  assert.equal(sum(parts), sum([extinfs[29]]));
});

test('numbering: an older part is dropped, a jump starts the window anew, each part lands in its segment', async () => {
  const s = store();
  s.addInit(new Uint8Array(8));
  const part = (start: number) => ({ bytes: new Uint8Array(1), start, end: start + 3600, independent: true });
  s.addPart(part(0), 0, 4);
  s.addPart(part(3600), 0, 4);
  s.addPart(part(7200), 0, 5); // closes 4
  s.addPart(part(0), 0, 3); // older: dropped
  assert.equal(s.chunks({ kind: 'segment', msn: 4 })?.length, 2);
  assert.equal(s.openMsn, 5);
  s.addPart(part(10_800), 0, 9); // a jump
  assert.equal(s.gaps, 1);
  assert.equal(s.chunks({ kind: 'segment', msn: 4 }), undefined);
  s.closeSegment();
  const text = ((await s.playlist()) as { text: string }).text;
  assert.match(text, /#EXT-X-MEDIA-SEQUENCE:9\n/);
});
