// Turns the raw fixture files into the access-unit lists ClipPlayer loops: an Annex-B H.264/H.265
// elementary stream (split at start codes, grouped into access units by the H.264 §7.4.1.2.3 /
// H.265 §7.4.2.4.4 rules, timed at a fixed frame rate since raw streams carry no timestamps) and
// raw G.711 (cut into 40 ms frames). An MPEG-PS file (.ps/.mpg, e.g. a field capture) is demuxed
// as it is, audio included. Clips are loaded once per path and shared by every device.
import { readFileSync } from 'node:fs';
import { demuxPsClip } from '../gateway/outbound/ps-clip.js';
import { splitAnnexB } from '../codecs/bytes/start-codes.js';
import * as h264 from '../codecs/h264/nal.js';
import * as h265 from '../codecs/h265/nal.js';
import {
  CLOCK_HZ,
  isVideoCodec,
  type AccessUnit,
  type AudioCodec,
  type VideoCodec,
} from '../codecs/types.js';

/** G.711 frame: 40 ms at 8 kHz, one byte per sample = 320 bytes, 3600 ticks (one 25 fps video frame). */
const G711_FRAME_BYTES = 320;
const G711_FRAME_TICKS = (G711_FRAME_BYTES / 8000) * CLOCK_HZ;

export interface Clip {
  readonly video: VideoCodec;
  readonly audio: AudioCodec | null;
  /** Decode order, video and audio interleaved by DTS, starting at 0. */
  readonly accessUnits: readonly AccessUnit[];
  /** Video access units and keyframes, for tests and logs. */
  readonly frames: number;
  readonly keyframes: number;
}

/** H.264 unless the file name says H.265/HEVC. */
export function videoCodecOfPath(path: string): VideoCodec {
  return /\.(h265|265|hevc)$/i.test(path) ? 'H265' : 'H264';
}

/** PCMU for .g711u/.ulaw/.pcmu/.mulaw, else PCMA. */
export function audioCodecOfPath(path: string): AudioCodec {
  return /\.(g711u|ulaw|mulaw|pcmu|ul)$/i.test(path) ? 'PCMU' : 'PCMA';
}

/** Groups Annex-B NAL units into access units; the first one starts at a parameter set or slice. */
export function annexBAccessUnits(bytes: Uint8Array, codec: VideoCodec, fps = 25): AccessUnit[] {
  const step = Math.round(CLOCK_HZ / fps);
  const out: AccessUnit[] = [];
  let units: Uint8Array[] = [];
  let hasVcl = false;
  let key = false;
  const close = (): void => {
    if (hasVcl) {
      const ts = out.length * step;
      out.push({ codec, pts: ts, dts: ts, keyframe: key, units });
    }
    units = [];
    hasVcl = false;
    key = false;
  };
  for (const nal of splitAnnexB(bytes)) {
    const c = classify(nal, codec);
    if (c.aud) {
      if (hasVcl) {
        close();
      }
      continue; // AUDs are not carried in AccessUnit.units (codecs/types.ts)
    }
    if (hasVcl && (c.begins || c.firstSlice)) {
      close();
    }
    units.push(nal);
    if (c.vcl) {
      hasVcl = true;
      key ||= c.key;
    }
  }
  close();
  return out;
}

function classify(
  nal: Uint8Array,
  codec: VideoCodec,
): { vcl: boolean; key: boolean; begins: boolean; firstSlice: boolean; aud: boolean } {
  if (codec === 'H264') {
    const type = h264.nalType(nal[0] ?? 0);
    return {
      vcl: h264.isVcl(type),
      key: h264.isKeyframeNal(type),
      begins: h264.startsAccessUnit(type),
      firstSlice: h264.isFirstSlice(nal),
      aud: type === h264.NalType.AUD,
    };
  }
  const type = h265.nalType(nal[0] ?? 0);
  return {
    vcl: h265.isVcl(type),
    key: h265.isKeyframeNal(type),
    begins: h265.startsAccessUnit(type),
    firstSlice: h265.isFirstSlice(nal),
    aud: type === h265.NalType.AUD,
  };
}

/** Raw G.711 bytes → 40 ms access units (a short tail is dropped). */
export function g711AccessUnits(bytes: Uint8Array, codec: AudioCodec): AccessUnit[] {
  const out: AccessUnit[] = [];
  for (let i = 0; i + G711_FRAME_BYTES <= bytes.length; i += G711_FRAME_BYTES) {
    const ts = (i / G711_FRAME_BYTES) * G711_FRAME_TICKS;
    out.push({ codec, pts: ts, dts: ts, keyframe: true, units: [bytes.subarray(i, i + G711_FRAME_BYTES)] });
  }
  return out;
}

/**
 * Video plus optional audio, interleaved by DTS. Audio longer than the video is cut, shorter is
 * repeated, so the loop point is the same for both (ClipPlayer loops at the video duration).
 */
export function buildClip(video: AccessUnit[], audio: AccessUnit[] = []): Clip {
  if (video.length === 0) {
    throw new Error('the video clip has no access units');
  }
  const codec = video[0].codec as VideoCodec;
  const videoTicks = video[video.length - 1].dts + (video.length > 1 ? video[1].dts - video[0].dts : 3600);
  const fitted: AccessUnit[] = [];
  if (audio.length > 0) {
    const audioTicks = audio[audio.length - 1].dts + G711_FRAME_TICKS;
    for (let base = 0; base < videoTicks; base += audioTicks) {
      for (const au of audio) {
        const dts = au.dts + base;
        if (dts >= videoTicks) {
          break;
        }
        fitted.push(base === 0 ? au : { ...au, pts: dts, dts });
      }
    }
  }
  // Stable merge: at equal DTS the video frame goes first.
  const merged: AccessUnit[] = [];
  let a = 0;
  for (const v of video) {
    while (a < fitted.length && fitted[a].dts < v.dts) {
      merged.push(fitted[a++]);
    }
    merged.push(v);
  }
  while (a < fitted.length) {
    merged.push(fitted[a++]);
  }
  return {
    video: codec,
    audio: fitted.length > 0 ? (fitted[0].codec as AudioCodec) : null,
    accessUnits: merged,
    frames: video.length,
    keyframes: video.filter((au) => au.keyframe).length,
  };
}

const cache = new Map<string, Clip>();

/** An MPEG-PS file's access units as a clip, with its own audio (if any). */
export function psClip(bytes: Uint8Array): Clip {
  const all = demuxPsClip(bytes);
  const video = all.filter((au) => isVideoCodec(au.codec));
  const audio = all.find((au) => !isVideoCodec(au.codec));
  if (video.length === 0) {
    throw new Error('the PS file has no video access units');
  }
  return {
    video: video[0].codec as VideoCodec,
    audio: audio ? (audio.codec as AudioCodec) : null,
    accessUnits: all,
    frames: video.length,
    keyframes: video.filter((au) => au.keyframe).length,
  };
}

/**
 * Reads and parses a clip once per (video, audio) path pair; later calls share the result.
 * An MPEG-PS file brings its own audio (`audioPath` is ignored for it). Throws on unreadable
 * files or a clip without a keyframe: a configuration error at start-up.
 */
export function loadClip(videoPath: string, audioPath?: string, fps = 25): Clip {
  const key = `${videoPath}|${audioPath ?? ''}|${fps}`;
  const hit = cache.get(key);
  if (hit) {
    return hit;
  }
  let clip: Clip;
  if (/\.(ps|mpg|mpeg|vob)$/i.test(videoPath)) {
    clip = psClip(readBytes(videoPath));
  } else {
    const video = annexBAccessUnits(readBytes(videoPath), videoCodecOfPath(videoPath), fps);
    const audio = audioPath ? g711AccessUnits(readBytes(audioPath), audioCodecOfPath(audioPath)) : [];
    clip = buildClip(video, audio);
  }
  if (clip.keyframes === 0) {
    throw new Error(`${videoPath}: no keyframe found`);
  }
  cache.set(key, clip);
  return clip;
}

function readBytes(path: string): Uint8Array {
  const buf = readFileSync(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
