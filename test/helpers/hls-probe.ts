// Reads a gateway stream's HLS over HTTP (multivariant → media playlist → init + segments) and
// checks the files with ffprobe, an independent parser and decoder (RFC 8216 §4.3).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait.js';

const run = promisify(execFile);

export interface HlsSegmentRef {
  msn: number;
  /** EXTINF seconds. */
  extinf: number;
  url: URL;
}

export interface HlsMediaPlaylist {
  url: URL;
  text: string;
  targetDurationSec: number;
  init: URL;
  segments: HlsSegmentRef[];
}

/**
 * Fetches the multivariant playlist at `hlsUrl`, then the first variant's media playlist, or
 * with `track: 'audio'` the audio rendition's (EXT-X-MEDIA TYPE=AUDIO: CMAF keeps audio apart).
 */
export async function readMediaPlaylist(
  hlsUrl: string,
  track: 'video' | 'audio' = 'video',
): Promise<HlsMediaPlaylist | undefined> {
  const master = await fetch(hlsUrl);
  if (master.status !== 200) {
    return undefined;
  }
  const masterText = await master.text();
  const mediaUri =
    track === 'audio'
      ? /#EXT-X-MEDIA:TYPE=AUDIO,[^\n]*URI="([^"]+)"/.exec(masterText)?.[1]
      : masterText.split('\n').find((l) => l.trim() && !l.startsWith('#'));
  if (!mediaUri) {
    return undefined;
  }
  const url = new URL(mediaUri.trim(), hlsUrl);
  const res = await fetch(url);
  if (res.status !== 200) {
    return undefined;
  }
  const text = await res.text();
  const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(text);
  if (!map) {
    return undefined;
  }
  const lines = text.split('\n');
  let msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0);
  const segments: HlsSegmentRef[] = [];
  let extinf: number | undefined;
  for (const line of lines) {
    const inf = /^#EXTINF:([\d.]+)/.exec(line);
    if (inf) {
      extinf = Number(inf[1]);
    } else if (line && !line.startsWith('#') && extinf !== undefined) {
      segments.push({ msn: msn++, extinf, url: new URL(line.trim(), url) });
      extinf = undefined;
    }
  }
  return {
    url,
    text,
    targetDurationSec: Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1] ?? 0),
    init: new URL(map[1], url),
    segments,
  };
}

/** Polls until the media playlist lists at least `count` complete segments. */
export function waitForSegments(
  hlsUrl: string,
  count: number,
  timeoutMs: number,
  track: 'video' | 'audio' = 'video',
): Promise<HlsMediaPlaylist> {
  return waitFor(
    async () => {
      const p = await readMediaPlaylist(hlsUrl, track);
      return p && p.segments.length >= count ? p : undefined;
    },
    timeoutMs,
    `${count} complete HLS segments`,
  );
}

export async function download(url: URL): Promise<Buffer> {
  const res = await fetch(url);
  if (res.status !== 200) {
    throw new Error(`GET ${url.pathname} → ${res.status}`);
  }
  return Buffer.from(await res.arrayBuffer());
}

let scratch: string | undefined;
/** Writes init + segment as one playable fMP4 file in a temp directory; returns its path. */
export function writeFragmentFile(name: string, init: Buffer, segment: Buffer): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'gb-media-'));
  const path = join(scratch, name);
  writeFileSync(path, Buffer.concat([init, segment]));
  return path;
}

export interface ProbedStream {
  index: number;
  codec_type: 'video' | 'audio';
  codec_name: string;
  codec_tag_string: string;
  width?: number;
  height?: number;
  sample_rate?: string;
}

export interface SegmentProbe {
  video: ProbedStream | undefined;
  audio: ProbedStream | undefined;
  /** Video: first packet pts to last packet end, seconds. */
  videoDurationSec: number;
  videoPackets: number;
  /** True when the first video packet is a keyframe (flag K). */
  startsWithKeyframe: boolean;
  audioDurationSec: number;
}

interface PacketRow {
  stream_index: number;
  pts_time?: string;
  duration_time?: string;
  flags?: string;
}

function span(rows: PacketRow[]): number {
  if (rows.length === 0) {
    return 0;
  }
  const first = Number(rows[0].pts_time);
  const last = rows[rows.length - 1];
  return Number(last.pts_time) + Number(last.duration_time ?? 0) - first;
}

/** ffprobe's view of one init + segment file: streams, packet timing, keyframe at the start. */
export async function probeSegment(path: string): Promise<SegmentProbe> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-show_streams', '-show_packets', '-of', 'json', path],
    {
      maxBuffer: 32 * 1024 * 1024,
    },
  );
  const json = JSON.parse(stdout) as { streams: ProbedStream[]; packets: PacketRow[] };
  const video = json.streams.find((s) => s.codec_type === 'video');
  const audio = json.streams.find((s) => s.codec_type === 'audio');
  const vp = json.packets.filter((p) => p.stream_index === video?.index);
  const ap = json.packets.filter((p) => p.stream_index === audio?.index);
  return {
    video,
    audio,
    videoDurationSec: span(vp),
    videoPackets: vp.length,
    startsWithKeyframe: (vp[0]?.flags ?? '').startsWith('K'),
    audioDurationSec: span(ap),
  };
}

/** Decodes every video frame with ffprobe -count_frames; `errors` is what the decoder logged. */
export async function decodeVideo(path: string): Promise<{ frames: number; errors: string }> {
  const { stdout, stderr } = await run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=nb_read_frames',
    '-of',
    'json',
    path,
  ]);
  const json = JSON.parse(stdout) as { streams: { nb_read_frames?: string }[] };
  return { frames: Number(json.streams[0]?.nb_read_frames ?? 0), errors: stderr.trim() };
}

/** Width and height of an elementary stream or file, as ffprobe reads it. */
export async function sourceDimensions(path: string): Promise<{ width: number; height: number }> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height',
    '-of',
    'json',
    path,
  ]);
  const s = (JSON.parse(stdout) as { streams: { width: number; height: number }[] }).streams[0];
  return { width: s.width, height: s.height };
}

/**
 * The audio rendition of a stream's HLS as ffprobe reads it: its init and first `count`
 * segments as one file (codec, rate, channels, seconds of audio).
 */
export async function probeAudioTrack(
  hlsUrl: string,
  count: number,
  timeoutMs = 20_000,
): Promise<{ codec: string; sampleRate: string; channels: number; durationSec: number }> {
  const p = await waitForSegments(hlsUrl, count, timeoutMs, 'audio');
  const parts = [await download(p.init)];
  for (const seg of p.segments.slice(0, count)) {
    parts.push(await download(seg.url));
  }
  const path = writeFragmentFile(`audio-${Date.now()}.mp4`, parts[0], Buffer.concat(parts.slice(1)));
  const probe = await probeSegment(path);
  return {
    codec: probe.audio?.codec_name ?? '',
    sampleRate: probe.audio?.sample_rate ?? '',
    channels: (probe.audio as { channels?: number } | undefined)?.channels ?? 0,
    durationSec: probe.audioDurationSec,
  };
}
