// File names served beside the playlist, and the strict parser that maps a requested name
// back to what it names. Anything that does not match exactly is not ours (no paths, no
// dots beyond the ones below, no leading zeros).

export const MULTIVARIANT_NAME = 'index.m3u8';
export const MEDIA_PLAYLIST_NAME = 'media.m3u8';
export const INIT_NAME = 'init.mp4';

/** Init segment `version`: the first is init.mp4, each one after a codec change init.<n>.mp4. */
export const initName = (version: number): string => (version === 0 ? INIT_NAME : `init.${version}.mp4`);

export const segmentName = (msn: number): string => `${msn}.m4s`;
export const partName = (msn: number, index: number): string => `${msn}.${index}.m4s`;

export type HlsFile =
  | { readonly kind: 'multivariant' }
  | { readonly kind: 'media' }
  | { readonly kind: 'init'; readonly version: number }
  | { readonly kind: 'segment'; readonly msn: number }
  | { readonly kind: 'part'; readonly msn: number; readonly index: number };

const MEDIA_FILE = /^(0|[1-9][0-9]{0,9})(?:\.(0|[1-9][0-9]{0,4}))?\.m4s$/;
const INIT_FILE = /^init\.([1-9][0-9]{0,5})\.mp4$/;

export function parseHlsName(name: string): HlsFile | undefined {
  if (name === MULTIVARIANT_NAME) {
    return { kind: 'multivariant' };
  }
  if (name === MEDIA_PLAYLIST_NAME) {
    return { kind: 'media' };
  }
  if (name === INIT_NAME) {
    return { kind: 'init', version: 0 };
  }
  const init = INIT_FILE.exec(name);
  if (init) {
    return { kind: 'init', version: Number(init[1]) };
  }
  const m = MEDIA_FILE.exec(name);
  if (!m) {
    return undefined;
  }
  const msn = Number(m[1]);
  if (msn > 0xffffffff) {
    return undefined;
  }
  return m[2] === undefined ? { kind: 'segment', msn } : { kind: 'part', msn, index: Number(m[2]) };
}
