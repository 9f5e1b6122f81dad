// The stream ID of a channel's live stream, the one fact that ties a signed media URL to a
// channel rather than to one running stream (docs/api.md §5): the upper platform
// names its live plays with it, and the media-token guard reads it back to know which channel
// a URL is for and to start that live stream again on demand.

import type { LiveStream } from './device-settings.js';

/** A camera's encoder streams (GB/T 28181-2022 streamnumber 0, 1, 2): device-settings.ts owns the names. */
export type LiveVariant = LiveStream;

export interface LiveStreamRef {
  readonly deviceId: string;
  readonly channelId: string;
  readonly variant: LiveVariant;
}

/** `<device>_<channel>` for the main stream (the ID live plays have always had), `_sub`/`_third` after it. */
export function liveStreamId(deviceId: string, channelId: string, variant: LiveVariant = 'main'): string {
  return `${deviceId}_${channelId}${variant === 'main' ? '' : `_${variant}`}`;
}

const LIVE_ID = /^(\d{20})_(\d{20})(?:_(sub|third))?$/;

/** The channel and variant of a live stream ID; undefined for any other ID (a playback, say). */
export function parseLiveStreamId(id: string): LiveStreamRef | undefined {
  const m = LIVE_ID.exec(id);
  if (!m) {
    return undefined;
  }
  return { deviceId: m[1], channelId: m[2], variant: (m[3] as LiveVariant | undefined) ?? 'main' };
}

/** The channel a stream ID belongs to (`<device>/<channel>`), live or playback (`<device>_<channel>_pbN`). */
export function channelOfStreamId(id: string): string | undefined {
  const m = /^(\d{20})_(\d{20})(?:_|$)/.exec(id);
  return m ? `${m[1]}/${m[2]}` : undefined;
}
