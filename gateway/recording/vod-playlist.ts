// Cloud playback (docs/recording.md §8): a time range of one channel's recordings as an HLS VOD
// media playlist over the stored files themselves (RFC 8216 §4.3.2.2 EXT-X-BYTERANGE, §4.3.2.5
// EXT-X-MAP with BYTERANGE): one segment per fragment (a GOP), each a byte range of its file, the
// file's header as the map. Nothing is copied or re-encoded. Each file restarts its media time
// at 0 and has its own header, so a file boundary, and any hole between files, is an
// EXT-X-DISCONTINUITY; EXT-X-PROGRAM-DATE-TIME gives each file's wall-clock start. The same
// list serves every view of the files (stored bytes, video only, audio as FLAC): `fileUrl` names
// the view; what the range needs for a multivariant playlist comes back beside the text.
import { join } from 'node:path';
import type { RecordingRow } from '../store/recording-store.js';
import { walkRecording } from './file-walk.js';

export interface VodPlaylist {
  readonly text: string;
  readonly segments: number;
  readonly seconds: number;
  /** Some file of the range has an audio track. */
  readonly audio: boolean;
  /** The highest bit rate of one segment (stored bytes over video seconds): BANDWIDTH's peak. */
  readonly peakBps: number;
}

export async function vodPlaylist(
  dir: string,
  rows: readonly RecordingRow[],
  startMs: number,
  endMs: number,
  fileUrl: (recordingId: string) => string,
): Promise<VodPlaylist> {
  const body: string[] = [];
  let target = 1;
  let segments = 0;
  let seconds = 0;
  let audio = false;
  let peakBps = 0;
  for (const row of [...rows].sort((a, b) => a.startMs - b.startMs)) {
    let layout;
    try {
      layout = await walkRecording(join(dir, row.file));
    } catch {
      continue;
    }
    const picked = layout.fragments.filter((f) => {
      const mid = row.startMs + (f.startSec + f.durationSec / 2) * 1000;
      return mid >= startMs && mid < endMs;
    });
    if (picked.length === 0) {
      continue;
    }
    const url = fileUrl(row.recordingId);
    audio ||= layout.audio;
    if (segments > 0) {
      body.push('#EXT-X-DISCONTINUITY');
    }
    body.push(`#EXT-X-MAP:URI="${url}",BYTERANGE="${layout.headerEnd}@0"`);
    body.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(row.startMs + picked[0].startSec * 1000).toISOString()}`);
    for (const f of picked) {
      body.push(`#EXTINF:${f.durationSec.toFixed(5)},`, `#EXT-X-BYTERANGE:${f.size}@${f.offset}`, url);
      target = Math.max(target, Math.round(f.durationSec));
      segments++;
      seconds += f.durationSec;
      peakBps = Math.max(peakBps, f.durationSec > 0 ? (f.size * 8) / f.durationSec : 0);
    }
  }
  const text = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    ...body,
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
  return { text, segments, seconds, audio, peakBps };
}
