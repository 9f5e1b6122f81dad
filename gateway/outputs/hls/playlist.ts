// M3U8 text for fMP4 HLS (RFC 8216 §4.3) with the Low-Latency HLS tags of RFC 8216bis
// (EXT-X-PART, EXT-X-PART-INF, EXT-X-SERVER-CONTROL, EXT-X-PRELOAD-HINT), and the tags of a
// codec change mid-stream: EXT-X-DISCONTINUITY and a new EXT-X-MAP before the first segment
// of the new codec (§4.3.2.3, §4.3.2.5), EXT-X-DISCONTINUITY-SEQUENCE (§4.3.3.3). Pure: data
// in, text out.

/**
 * Durations are integers in units of 10 µs (PLAYLIST_UNITS per second), printed with five
 * decimals. The track store derives each one as the difference of its rounded start and end
 * times, so any run of EXTINF or part DURATION values adds up to the exact media time between
 * its ends: a player that places media by summing them (shaka-player does, and resets
 * timestampOffset on any 1 ms mismatch) never drifts from the tfdt in the fragments.
 */
export const PLAYLIST_UNITS = 100_000;

export interface PlaylistPart {
  readonly uri: string;
  /** In 1/PLAYLIST_UNITS s. */
  readonly duration: number;
  readonly independent: boolean;
}

export interface PlaylistSegment {
  readonly msn: number;
  readonly uri: string;
  /** In 1/PLAYLIST_UNITS s; only meaningful when complete. */
  readonly duration: number;
  /** Wall-clock time of the segment's first sample, ms since the epoch. */
  readonly programDateTimeMs?: number;
  /** Its init segment, when not the one of the segment before (default: that one). */
  readonly mapUri?: string;
  /** The media changed format before this segment (a codec change): EXT-X-DISCONTINUITY. */
  readonly discontinuity?: boolean;
  readonly parts: readonly PlaylistPart[];
  /** False for the segment still being written (only its parts are listed). */
  readonly complete: boolean;
}

export interface MediaPlaylist {
  /** Seconds; the EXT-X-TARGETDURATION is the larger of this and every listed EXTINF, rounded. */
  readonly targetDurationSec: number;
  /** The init segment of the first segment (default: the first segment's own mapUri). */
  readonly mapUri?: string;
  /** Discontinuities before the first listed segment (EXT-X-DISCONTINUITY-SEQUENCE). Default 0. */
  readonly discontinuitySequence?: number;
  /** Oldest first; media sequence = first segment's msn. */
  readonly segments: readonly PlaylistSegment[];
  /** Set for LL-HLS: PART-TARGET in seconds. */
  readonly partTargetSec?: number;
  /** Only segments starting this close (seconds) to the live edge list their parts. Default 3 × target. */
  readonly partsWindowSec?: number;
  /** URI of the part the server will produce next. */
  readonly preloadHintUri?: string;
  readonly ended?: boolean;
}

const fmt = (sec: number, digits = 3): string => sec.toFixed(digits);

/** An integer count of 10 µs as decimal seconds, with integer arithmetic only. */
export function formatUnits(units: number): string {
  const n = Math.max(0, Math.round(units));
  return `${Math.floor(n / PLAYLIST_UNITS)}.${String(n % PLAYLIST_UNITS).padStart(5, '0')}`;
}

/** RFC 8216 §4.3.3.1: every EXTINF rounded to the nearest integer must not exceed it. */
export function targetDurationOf(p: Pick<MediaPlaylist, 'targetDurationSec' | 'segments'>): number {
  let t = Math.ceil(p.targetDurationSec - 0.0005);
  for (const s of p.segments) {
    if (s.complete) {
      t = Math.max(t, Math.round(s.duration / PLAYLIST_UNITS));
    }
  }
  return Math.max(1, t);
}

export function renderMediaPlaylist(p: MediaPlaylist): string {
  const ll = p.partTargetSec !== undefined;
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${targetDurationOf(p)}`];
  if (ll) {
    const partTarget = p.partTargetSec;
    // PART-HOLD-BACK: at least twice, and recommended three times, the part target.
    lines.push(`#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${fmt(3 * partTarget)}`);
    lines.push(`#EXT-X-PART-INF:PART-TARGET=${fmt(partTarget, 5)}`);
  }
  lines.push(`#EXT-X-MEDIA-SEQUENCE:${p.segments[0]?.msn ?? 0}`);
  if (p.discontinuitySequence) {
    lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${p.discontinuitySequence}`);
  }
  let map = p.mapUri ?? p.segments[0]?.mapUri;
  if (map !== undefined) {
    lines.push(`#EXT-X-MAP:URI="${map}"`);
  }

  // Parts are listed only near the live edge (RFC 8216bis §4.4.4.9: remove them once
  // they are more than three target durations from the end).
  const partsWindow = p.partsWindowSec ?? 3 * p.targetDurationSec;
  let fromEnd = 0;
  const withParts = new Set<number>();
  for (let i = p.segments.length - 1; i >= 0; i--) {
    const s = p.segments[i];
    if (fromEnd >= partsWindow) {
      break;
    }
    withParts.add(s.msn);
    fromEnd += (s.complete ? s.duration : s.parts.reduce((a, x) => a + x.duration, 0)) / PLAYLIST_UNITS;
  }

  for (const s of p.segments) {
    // The tags of a segment come before its parts: they apply to them too.
    if (s.discontinuity) {
      lines.push('#EXT-X-DISCONTINUITY');
    }
    if (s.mapUri !== undefined && s.mapUri !== map) {
      map = s.mapUri;
      lines.push(`#EXT-X-MAP:URI="${map}"`);
    }
    if (s.programDateTimeMs !== undefined) {
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.programDateTimeMs).toISOString()}`);
    }
    if (ll && withParts.has(s.msn)) {
      for (const part of s.parts) {
        const independent = part.independent ? ',INDEPENDENT=YES' : '';
        lines.push(`#EXT-X-PART:DURATION=${formatUnits(part.duration)},URI="${part.uri}"${independent}`);
      }
    }
    if (s.complete) {
      lines.push(`#EXTINF:${formatUnits(s.duration)},`, s.uri);
    }
  }
  if (ll && p.preloadHintUri && !p.ended) {
    lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${p.preloadHintUri}"`);
  }
  if (p.ended) {
    lines.push('#EXT-X-ENDLIST');
  }
  return lines.join('\n') + '\n';
}

export interface VariantStream {
  readonly uri: string;
  /** Peak bits per second (RFC 8216 §4.3.4.2: required). */
  readonly bandwidth: number;
  /** RFC 6381 codec strings of every track the variant plays, e.g. ['avc1.42c01f', 'fLaC']. */
  readonly codecs: readonly string[];
  readonly width?: number;
  readonly height?: number;
  /** GROUP-ID of the audio rendition the variant plays with (EXT-X-MEDIA TYPE=AUDIO). */
  readonly audioGroup?: string;
}

/** A separate audio media playlist (RFC 8216 §4.3.4.1): CMAF keeps audio in its own track. */
export interface AudioRendition {
  readonly groupId: string;
  readonly name: string;
  readonly uri: string;
  readonly channels: number;
}

/**
 * A multivariant playlist: players learn CODECS before loading media and pick the first variant
 * they can decode (an H.265 camera lists its hvc1 variant and an H.264 one, §4.3.4.2).
 */
export function renderMultivariantPlaylist(
  variants: readonly VariantStream[],
  audioRenditions: readonly AudioRendition[] = [],
): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7'];
  for (const audio of audioRenditions) {
    lines.push(
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${audio.groupId}",NAME="${audio.name}",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="${audio.channels}",URI="${audio.uri}"`,
    );
  }
  for (const v of variants) {
    const attrs = [`BANDWIDTH=${Math.max(1, Math.round(v.bandwidth))}`];
    if (v.codecs.length) {
      attrs.push(`CODECS="${v.codecs.join(',')}"`);
    }
    if (v.width && v.height) {
      attrs.push(`RESOLUTION=${v.width}x${v.height}`);
    }
    if (v.audioGroup) {
      attrs.push(`AUDIO="${v.audioGroup}"`);
    }
    // Cameras send no CEA-608/708 captions; saying so spares players a probe of the media
    // (shaka-player 5 otherwise probes segments for them, and fails on a preload-hinted one).
    attrs.push('CLOSED-CAPTIONS=NONE');
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, v.uri);
  }
  return lines.join('\n') + '\n';
}

/**
 * Append `query` (already encoded, e.g. "token=abc") to every URI in a playlist: the URI
 * lines and every URI="..." attribute, so a signed token survives relative resolution.
 */
export function appendQueryToUris(text: string, query: string): string {
  const add = (uri: string): string => uri + (uri.includes('?') ? '&' : '?') + query;
  return text
    .split('\n')
    .map((line) => {
      if (line === '') {
        return line;
      }
      if (!line.startsWith('#')) {
        return add(line);
      }
      return line.replace(/URI="([^"]*)"/g, (_m, uri: string) => `URI="${add(uri)}"`);
    })
    .join('\n');
}
