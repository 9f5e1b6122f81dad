// Shared by the H.264 and H.265 SPS fuzzers: the NAL units of a committed clip, and the check
// that the HLS output's init segment for a keyframe's parameter sets is well formed.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { VideoCodec } from '../../codecs/types.js';
import { videoTrackFromKeyframe } from '../../codecs/fmp4/video-track.js';
import { videoHeader } from '../../gateway/outputs/hls/cmaf.js';
import { repoRoot } from './paths.js';

/** NAL units (no start codes) of test/fixtures/media/<name>; readers passed in to keep this file pure of I/O choice. */
export function clipUnits(
  name: string,
  read: (path: string) => Uint8Array,
  split: (bytes: Uint8Array) => Uint8Array[],
): Uint8Array[] {
  return split(new Uint8Array(read(join(repoRoot, 'test', 'fixtures', 'media', name)))).filter(
    (u) => u.length > 0,
  );
}

/** Top-level boxes must tile the segment exactly, each with a printable four-character type. */
function checkBoxes(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const types: string[] = [];
  for (let off = 0; off < bytes.length;) {
    assert.ok(off + 8 <= bytes.length, 'truncated box header');
    const size = view.getUint32(off);
    const type = String.fromCharCode(...bytes.subarray(off + 4, off + 8));
    assert.match(type, /^[a-z0-9 ]{4}$/, `box type ${JSON.stringify(type)}`);
    assert.ok(size >= 8 && off + size <= bytes.length, `box ${type} of ${size} bytes at ${off}`);
    types.push(type);
    off += size;
  }
  return types;
}

/** The HLS output's path for a keyframe: video track, then the CMAF header, without throwing. */
export function checkInitSegment(codec: VideoCodec, units: Uint8Array[]): void {
  const track = videoTrackFromKeyframe(codec, units);
  if (!track) {
    return;
  }
  assert.ok(track.width > 0 && track.height > 0);
  assert.match(track.codecString, /^(avc1|hvc1)\.[0-9A-Za-z.]+$/, `codec string ${track.codecString}`);
  assert.deepEqual(checkBoxes(videoHeader(track)), ['ftyp', 'moov']);
}
