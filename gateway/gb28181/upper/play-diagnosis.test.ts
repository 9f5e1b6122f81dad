import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlayDiagnosis } from './play-diagnosis.js';

const OFFERED = 200000001; // y=0200000001 → 0x0BEBC201 (docs/gb28181.md §7.1)
const at = new Date(0);
const firstRtp = (ssrc: number) =>
  ({ type: 'first-rtp', address: '127.0.0.1', port: 40000, ssrc, payloadType: 96, at }) as const;

test('a first RTP packet with the offered SSRC leaves no cause', () => {
  const d = new PlayDiagnosis('s');
  d.expectSsrc(OFFERED, 'offer');
  d.ingest(firstRtp(OFFERED));
  d.ingest({ type: 'first-keyframe', at });
  assert.equal(d.cause, null);
  assert.equal(d.toJSON().ok, true);
});

test('learn-first accepted a wrong SSRC: the cause names both values, the stream stays ok', () => {
  const d = new PlayDiagnosis('s');
  d.expectSsrc(OFFERED, 'offer');
  d.ingest(firstRtp(0x12345678));
  d.ingest({ type: 'first-keyframe', at });
  assert.equal(d.ok, true);
  assert.match(
    d.cause ?? '',
    /^SSRC 0x12345678 differs from the 0x0BEBC201 we offered: the device ignores y=/,
  );
});

test('Dahua SSRC 0 (SRS #2047) is named as such', () => {
  const d = new PlayDiagnosis('s');
  d.expectSsrc(OFFERED, 'offer');
  d.ingest(firstRtp(0));
  assert.match(d.cause ?? '', /SSRC 0x00000000 differs .* sends SSRC 0 \(as Dahua cameras do\)/);
});

test("media before the answer (Dahua, quirk 12) is judged against the answer's y= once it is known", () => {
  const d = new PlayDiagnosis('s');
  d.expectSsrc(OFFERED, 'offer');
  d.ingest(firstRtp(200009319));
  assert.match(d.cause ?? '', /differs from the 0x0BEBC201 we offered/);
  d.expectSsrc(200009319, 'answer'); // the 200 re-keyed (Hikvision NCG, wvp #127)
  assert.equal(d.cause, null);

  const other = new PlayDiagnosis('t');
  other.expectSsrc(OFFERED, 'offer');
  other.expectSsrc(200009319, 'answer');
  other.ingest(firstRtp(0x12345678));
  assert.match(other.cause ?? '', /differs from the 0x0BEBE667 of the device's own answer/);
});

test('a fallback attempt starts afresh, and a stray SSRC replaced by the expected one is not a cause', () => {
  const d = new PlayDiagnosis('s');
  d.expectSsrc(OFFERED, 'offer');
  d.ingest(firstRtp(7));
  assert.ok(d.cause);
  d.expectSsrc(200000002, 'offer');
  assert.equal(d.cause, null, 'the new attempt has seen no RTP yet');
  d.ingest(firstRtp(7));
  d.ingest({ type: 'ssrc-switch', from: undefined, to: 200000002 });
  assert.equal(d.cause, null);
});

test('a failure outranks the SSRC note, and a rejected SSRC (strict mode) is a cause of its own', () => {
  const d = new PlayDiagnosis('s');
  d.expectSsrc(OFFERED, 'offer');
  d.ingest(firstRtp(0x12345678));
  d.fail('the device stopped sending media');
  assert.equal(d.cause, 'the device stopped sending media');
  assert.equal(d.toJSON().ok, false);

  const strict = new PlayDiagnosis('t');
  strict.ingest({ type: 'ssrc-mismatch', expected: OFFERED, got: 5, address: '10.0.0.1' });
  assert.match(
    strict.cause ?? '',
    /SSRC 0x00000005 differs from the 0x0BEBC201 we offered.*kept out of the stream/,
  );
});

test('what the hub and the ingest report about the media is written down in order, in plain words', () => {
  const d = new PlayDiagnosis('s');
  d.ingest(firstRtp(OFFERED));
  d.ingest({ type: 'first-pack', at });
  d.ingest({ type: 'pes-without-pts', timedBy: 'rtp-timestamp' });
  d.ingest({ type: 'codec', video: 'H264' });
  d.ingest({ type: 'codec', video: 'H264', audio: 'PCMA' });
  d.ingest({ type: 'first-keyframe', at });
  d.ingest({ type: 'codec', video: 'H265', audio: 'PCMA', previous: { video: 'H264', audio: 'PCMA' } });
  d.ingest({ type: 'sink-closed', sink: 'whep:1', reason: 'codec-changed', detail: 'no H265 decoder' });
  d.ingest({ type: 'b-frames' });
  const steps = d.steps.map((s) => [s.step, s.detail]);
  assert.deepEqual(
    steps.map(([step]) => step),
    [
      'first-rtp',
      'first-ps-pack',
      'pes-without-pts',
      'codec-found',
      'codec-found',
      'first-keyframe',
      'codec-changed',
      'viewer-closed',
      'b-frames',
    ],
  );
  assert.match(steps[2][1] ?? '', /no PTS .* timed from the RTP timestamp/);
  assert.equal(steps[4][1], 'H264 + PCMA');
  assert.match(steps[6][1] ?? '', /^H264 \+ PCMA → H265 \+ PCMA mid-stream .* new init segment/);
  assert.equal(steps[7][1], 'whep:1: codec-changed (no H265 decoder)');
  assert.equal(d.ok, true);
  assert.equal(d.cause, null, 'a codec change is what happened, not a failure');
});
