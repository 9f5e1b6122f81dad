// File names served beside the multivariant playlist, and the strict parser that maps a
// requested name back to what it names. Anything that does not match exactly is not ours (no
// paths, no dots beyond the ones below, no leading zeros).
//
// Each CMAF track has its own media playlist, init segments, segments and parts
// (docs/fmp4.md §4): the camera's video without a prefix, its audio with "a-", and the H.264
// rendition of an H.265 camera (transcoded on demand) with "avc-".

export type HlsTrack = 'video' | 'audio' | 'avc';

const PREFIX: Readonly<Record<HlsTrack, string>> = { video: '', audio: 'a-', avc: 'avc-' };

export const MULTIVARIANT_NAME = 'index.m3u8';
export const MEDIA_PLAYLIST_NAME = 'media.m3u8';

export const mediaPlaylistName = (track: HlsTrack): string => `${PREFIX[track]}${MEDIA_PLAYLIST_NAME}`;

/**
 * The audio playlist of the H.264 variant's group: the same audio segments, listed from the
 * first segment the variant has (a transcoded variant starts later than the camera's audio,
 * and VHS lines renditions up only when their windows start at the same segment).
 */
export const AVC_AUDIO_PLAYLIST_NAME = 'a-avc.m3u8';

/** Init segment `version`: the first is init.mp4, each one after a codec change init.<n>.mp4. */
export const initName = (track: HlsTrack, version: number): string =>
  `${PREFIX[track]}${version === 0 ? 'init.mp4' : `init.${version}.mp4`}`;

export const segmentName = (track: HlsTrack, msn: number): string => `${PREFIX[track]}${msn}.m4s`;
export const partName = (track: HlsTrack, msn: number, index: number): string =>
  `${PREFIX[track]}${msn}.${index}.m4s`;

export type HlsFile =
  | { readonly kind: 'multivariant' }
  | { readonly kind: 'media'; readonly track: HlsTrack; readonly alignedTo?: 'avc' }
  | { readonly kind: 'init'; readonly track: HlsTrack; readonly version: number }
  | { readonly kind: 'segment'; readonly track: HlsTrack; readonly msn: number }
  | { readonly kind: 'part'; readonly track: HlsTrack; readonly msn: number; readonly index: number };

const NAME =
  /^(a-|avc-)?(?:(media\.m3u8)|init(?:\.([1-9][0-9]{0,5}))?\.mp4|(0|[1-9][0-9]{0,9})(?:\.(0|[1-9][0-9]{0,4}))?\.m4s)$/;

export function parseHlsName(name: string): HlsFile | undefined {
  if (name === MULTIVARIANT_NAME) {
    return { kind: 'multivariant' };
  }
  if (name === AVC_AUDIO_PLAYLIST_NAME) {
    return { kind: 'media', track: 'audio', alignedTo: 'avc' };
  }
  const m = NAME.exec(name);
  if (!m) {
    return undefined;
  }
  const track: HlsTrack = m[1] === 'a-' ? 'audio' : m[1] === 'avc-' ? 'avc' : 'video';
  if (m[2]) {
    return { kind: 'media', track };
  }
  if (m[4] === undefined) {
    return { kind: 'init', track, version: m[3] === undefined ? 0 : Number(m[3]) };
  }
  const msn = Number(m[4]);
  if (msn > 0xffffffff) {
    return undefined;
  }
  return m[5] === undefined
    ? { kind: 'segment', track, msn }
    : { kind: 'part', track, msn, index: Number(m[5]) };
}
