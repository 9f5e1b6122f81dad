// Reads a recording file's layout without loading it (docs/recording.md §3): the header
// (ftyp + moov), then moof + mdat pairs, one per GOP. Only box headers and the small moof boxes
// are read. What follows the last complete pair (a fragment cut by a crash) is reported as
// `validEnd`, so the caller can cut it off.
import { open, type FileHandle } from 'node:fs/promises';
import { trackTimingOfMoof } from '../../codecs/fmp4/moof-timing.js';
import { readHeaderTracks } from '../../codecs/fmp4/recording-tracks.js';
import { CLOCK_HZ } from '../../codecs/types.js';

/** The export-mode writer's video track (codecs/fmp4/file-writer.ts). */
const VIDEO_TRACK_ID = 1;
/** A moof (or moov) bigger than this is not ours: read no further. */
const MAX_MOOF_BYTES = 4 * 1024 * 1024;

export interface WalkedFragment {
  /** Byte offset of the moof; the fragment is moof + mdat, `size` bytes. */
  readonly offset: number;
  readonly size: number;
  /** Video decode time of the first sample, and the fragment's video duration, in seconds. */
  readonly startSec: number;
  readonly durationSec: number;
}

export interface FileLayout {
  /** Bytes of ftyp + moov (the init segment); 0 when the header is not complete. */
  readonly headerEnd: number;
  readonly fragments: readonly WalkedFragment[];
  /** End of the last complete fragment (or of the header); the file's size when nothing is cut. */
  readonly validEnd: number;
  readonly fileSize: number;
  /** Video seconds from the first fragment's start to the last one's end. */
  readonly durationSec: number;
  /** The header names an audio track (the recorder's G.711). */
  readonly audio: boolean;
}

async function readAt(fh: FileHandle, at: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  const { bytesRead } = await fh.read(buf, 0, length, at);
  return buf.subarray(0, bytesRead);
}

async function boxAt(
  fh: FileHandle,
  at: number,
  fileSize: number,
): Promise<{ type: string; size: number } | undefined> {
  if (at + 8 > fileSize) {
    return undefined;
  }
  const h = await readAt(fh, at, 16);
  const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
  let size = dv.getUint32(0);
  const type = String.fromCharCode(h[4], h[5], h[6], h[7]);
  if (size === 1) {
    if (h.byteLength < 16) {
      return undefined;
    }
    size = dv.getUint32(8) * 0x1_0000_0000 + dv.getUint32(12);
  } else if (size === 0) {
    size = fileSize - at;
  }
  if (size < 8 || at + size > fileSize) {
    return undefined;
  }
  return { type, size };
}

export async function walkRecording(path: string): Promise<FileLayout> {
  const fh = await open(path, 'r');
  try {
    const fileSize = (await fh.stat()).size;
    let at = 0;
    let headerEnd = 0;
    let audio = false;
    const fragments: WalkedFragment[] = [];
    for (;;) {
      const box = await boxAt(fh, at, fileSize);
      if (!box) {
        break;
      }
      if (box.type === 'ftyp') {
        at += box.size;
        continue;
      }
      if (box.type === 'moov') {
        if (box.size <= MAX_MOOF_BYTES) {
          const tracks = readHeaderTracks(await readAt(fh, at, box.size));
          audio = tracks?.some((t) => t.handler === 'soun') ?? false;
        }
        at += box.size;
        headerEnd = at;
        continue;
      }
      if (box.type !== 'moof' || headerEnd === 0 || box.size > MAX_MOOF_BYTES) {
        break;
      }
      const mdat = await boxAt(fh, at + box.size, fileSize);
      if (!mdat || mdat.type !== 'mdat') {
        break;
      }
      const timing = trackTimingOfMoof(await readAt(fh, at, box.size), VIDEO_TRACK_ID);
      if (!timing) {
        break;
      }
      fragments.push({
        offset: at,
        size: box.size + mdat.size,
        startSec: timing.start / CLOCK_HZ,
        durationSec: timing.duration / CLOCK_HZ,
      });
      at += box.size + mdat.size;
    }
    const last = fragments[fragments.length - 1];
    return {
      headerEnd,
      fragments,
      validEnd: last ? last.offset + last.size : headerEnd,
      fileSize,
      durationSec: last ? last.startSec + last.durationSec - fragments[0].startSec : 0,
      audio,
    };
  } finally {
    await fh.close();
  }
}
