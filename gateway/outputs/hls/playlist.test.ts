import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendQueryToUris,
  renderMediaPlaylist,
  renderMultivariantPlaylist,
  formatUnits,
  targetDurationOf,
  type PlaylistSegment,
} from './playlist.js';

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 600);

function seg(msn: number, complete = true, partCount = 3): PlaylistSegment {
  return {
    msn,
    uri: `${msn}.m4s`,
    duration: 200_000,
    programDateTimeMs: T0 + msn * 2000,
    complete,
    parts: Array.from({ length: partCount }, (_, i) => ({
      uri: `${msn}.${i}.m4s`,
      duration: i === 2 ? 66_668 : 66_666,
      independent: i === 0,
    })),
  };
}

test('classic playlist: version, target duration, media sequence, map, date-time, EXTINF', () => {
  const text = renderMediaPlaylist({ targetDurationSec: 2, mapUri: 'init.mp4', segments: [seg(7), seg(8)] });
  assert.equal(
    text,
    [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:2',
      '#EXT-X-MEDIA-SEQUENCE:7',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXT-X-PROGRAM-DATE-TIME:2025-01-02T03:04:19.600Z',
      '#EXTINF:2.00000,',
      '7.m4s',
      '#EXT-X-PROGRAM-DATE-TIME:2025-01-02T03:04:21.600Z',
      '#EXTINF:2.00000,',
      '8.m4s',
      '',
    ].join('\n'),
  );
});

test('LL-HLS playlist: server control, part info, parts near the edge only, preload hint', () => {
  const segments = [seg(0), seg(1), seg(2), seg(3), seg(4, false, 2)];
  const text = renderMediaPlaylist({
    targetDurationSec: 2,
    mapUri: 'init.mp4',
    segments,
    partTargetSec: 2 / 3,
    preloadHintUri: '4.2.m4s',
  });
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[3], '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=2.000');
  assert.equal(lines[4], '#EXT-X-PART-INF:PART-TARGET=0.66667');
  assert.equal(lines[5], '#EXT-X-MEDIA-SEQUENCE:0');
  // parts are listed for the open segment and segments within 3 target durations (6 s) of the end:
  // open 4 (1.33 s), 3 (→3.33), 2 (→5.33), 1 (→7.33 ≥ 6, listed because counting starts before it)
  const partLines = lines.filter((l) => l.startsWith('#EXT-X-PART:'));
  assert.deepEqual([...new Set(partLines.map((l) => l.match(/URI="(\d+)\./)![1]))], ['1', '2', '3', '4']);
  assert.equal(partLines[0], '#EXT-X-PART:DURATION=0.66666,URI="1.0.m4s",INDEPENDENT=YES');
  assert.equal(partLines[1], '#EXT-X-PART:DURATION=0.66666,URI="1.1.m4s"');
  // the open segment has parts but no EXTINF yet; the hint names its next part
  assert.deepEqual(lines.slice(-4), [
    '#EXT-X-PROGRAM-DATE-TIME:2025-01-02T03:04:13.600Z',
    '#EXT-X-PART:DURATION=0.66666,URI="4.0.m4s",INDEPENDENT=YES',
    '#EXT-X-PART:DURATION=0.66666,URI="4.1.m4s"',
    '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="4.2.m4s"',
  ]);
  assert.ok(!text.includes('4.m4s\n'));
});

test('ENDLIST closes an ended playlist and suppresses the preload hint', () => {
  const text = renderMediaPlaylist({
    targetDurationSec: 2,
    mapUri: 'init.mp4',
    segments: [seg(0)],
    partTargetSec: 0.5,
    preloadHintUri: '1.0.m4s',
    ended: true,
  });
  assert.ok(text.endsWith('0.m4s\n#EXT-X-ENDLIST\n'));
  assert.ok(!text.includes('PRELOAD-HINT'));
});

test('target duration covers the longest rounded EXTINF', () => {
  assert.equal(targetDurationOf({ targetDurationSec: 2, segments: [seg(0)] }), 2);
  assert.equal(targetDurationOf({ targetDurationSec: 2, segments: [{ ...seg(0), duration: 340_000 }] }), 3);
  assert.equal(targetDurationOf({ targetDurationSec: 2, segments: [{ ...seg(0), duration: 260_000 }] }), 3);
  assert.equal(targetDurationOf({ targetDurationSec: 1.5, segments: [] }), 2);
});

test('multivariant playlist carries codecs and resolution', () => {
  assert.equal(
    renderMultivariantPlaylist([
      { uri: 'media.m3u8', bandwidth: 2_345_678.4, codecs: ['avc1.42C01F'], width: 1280, height: 720 },
    ]),
    '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=2345678,CODECS="avc1.42C01F",RESOLUTION=1280x720,CLOSED-CAPTIONS=NONE\nmedia.m3u8\n',
  );
});

test('multivariant playlist with an audio rendition and two video variants (H.265, H.264)', () => {
  const text = renderMultivariantPlaylist(
    [
      { uri: 'media.m3u8', bandwidth: 1e6, codecs: ['hvc1.1.6.L93.B0', 'fLaC'], audioGroup: 'audio' },
      { uri: 'avc-media.m3u8', bandwidth: 1e6, codecs: ['avc1.42C01E', 'fLaC'], audioGroup: 'audio' },
    ],
    [{ groupId: 'audio', name: 'camera', uri: 'a-media.m3u8', channels: 1 }],
  );
  assert.deepEqual(text.trimEnd().split('\n').slice(2), [
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="camera",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="1",URI="a-media.m3u8"',
    '#EXT-X-STREAM-INF:BANDWIDTH=1000000,CODECS="hvc1.1.6.L93.B0,fLaC",AUDIO="audio",CLOSED-CAPTIONS=NONE',
    'media.m3u8',
    '#EXT-X-STREAM-INF:BANDWIDTH=1000000,CODECS="avc1.42C01E,fLaC",AUDIO="audio",CLOSED-CAPTIONS=NONE',
    'avc-media.m3u8',
  ]);
});

test('durations: printed from integers of 10 µs, so consecutive values add up exactly', () => {
  assert.equal(formatUnits(200_000), '2.00000');
  assert.equal(formatUnits(33_333), '0.33333');
  assert.equal(formatUnits(7), '0.00007');
});

test('appendQueryToUris adds the token to URI lines and URI attributes only', () => {
  const text =
    '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXT-X-PART:DURATION=0.3,URI="1.0.m4s"\n#EXTINF:2.000,\n1.m4s\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="a.m4s?x=1"\n';
  assert.equal(
    appendQueryToUris(text, 'token=t%2B1'),
    '#EXTM3U\n#EXT-X-MAP:URI="init.mp4?token=t%2B1"\n#EXT-X-PART:DURATION=0.3,URI="1.0.m4s?token=t%2B1"\n#EXTINF:2.000,\n1.m4s?token=t%2B1\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="a.m4s?x=1&token=t%2B1"\n',
  );
});

test('a codec change: EXT-X-DISCONTINUITY and the new EXT-X-MAP before the segment, parts included', () => {
  const segments: PlaylistSegment[] = [
    { ...seg(7), mapUri: 'init.mp4' },
    { ...seg(8), mapUri: 'init.1.mp4', discontinuity: true },
    { ...seg(9, false, 1), mapUri: 'init.1.mp4' },
  ];
  const text = renderMediaPlaylist({
    targetDurationSec: 2,
    segments,
    partTargetSec: 2 / 3,
    discontinuitySequence: 3,
  });
  const lines = text.trimEnd().split('\n');
  assert.deepEqual(lines.slice(5, 8), [
    '#EXT-X-MEDIA-SEQUENCE:7',
    '#EXT-X-DISCONTINUITY-SEQUENCE:3',
    '#EXT-X-MAP:URI="init.mp4"',
  ]);
  const at = lines.indexOf('#EXT-X-DISCONTINUITY');
  assert.deepEqual(lines.slice(at - 2, at + 4), [
    '#EXTINF:2.00000,',
    '7.m4s',
    '#EXT-X-DISCONTINUITY',
    '#EXT-X-MAP:URI="init.1.mp4"',
    '#EXT-X-PROGRAM-DATE-TIME:2025-01-02T03:04:21.600Z',
    '#EXT-X-PART:DURATION=0.66666,URI="8.0.m4s",INDEPENDENT=YES',
  ]);
  assert.equal(lines.filter((l) => l.startsWith('#EXT-X-MAP')).length, 2, 'segment 9 keeps the map of 8');
  assert.equal(lines.filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);
  assert.ok(
    !renderMediaPlaylist({ targetDurationSec: 2, mapUri: 'init.mp4', segments: [seg(1)] }).includes(
      'DISCONTINUITY',
    ),
  );
});
