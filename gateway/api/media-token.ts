// Signed media tokens for WHEP and HLS URLs (docs/api.md §5). A token names what it
// grants, not one running stream: a live URL grants a channel's live stream of one kind (main,
// sub, third), so it keeps working after that stream idled out and is started again; a playback
// URL grants that one playback stream. Format: `<issued ms>.<expiry s>.<base64url HMAC-SHA256
// (subject "." issued "." expiry)>`. The issue time lets an operator revoke every URL of a
// channel (or all) handed out before a moment (media-access.ts).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseLiveStreamId } from '../live-stream-id.js';

/** What a token grants, from the stream ID in the URL it came with. */
export function subjectOf(streamId: string): string {
  const live = parseLiveStreamId(streamId);
  return live ? `live/${live.deviceId}/${live.channelId}/${live.variant}` : `stream/${streamId}`;
}

export interface TokenFields {
  /** Milliseconds since the epoch. */
  readonly issuedMs: number;
  /** Seconds since the epoch. */
  readonly expirySec: number;
  /** The MAC, unique per token: the key under which its use is remembered. */
  readonly mac: string;
}

const TOKEN = /^(\d{1,15})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

export class MediaTokenSigner {
  constructor(
    private readonly key: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    if (key.length < 16) {
      throw new Error('media signing key must be at least 16 bytes');
    }
  }

  sign(streamId: string, ttlSec: number): string {
    const issued = this.now();
    const expiry = Math.floor(issued / 1000) + ttlSec;
    return `${issued}.${expiry}.${this.mac(subjectOf(streamId), issued, expiry)}`;
  }

  /** The token's fields when its signature holds for this stream; expiry is not checked here. */
  read(streamId: string, token: string | undefined): TokenFields | undefined {
    const m = token ? TOKEN.exec(token) : null;
    if (!m) {
      return undefined;
    }
    const issuedMs = Number(m[1]);
    const expirySec = Number(m[2]);
    const given = Buffer.from(m[3]);
    const expected = Buffer.from(this.mac(subjectOf(streamId), issuedMs, expirySec));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return undefined;
    }
    return { issuedMs, expirySec, mac: m[3] };
  }

  /** Signature and expiry (without the sliding use of media-access.ts). */
  verify(streamId: string, token: string | undefined): boolean {
    const t = this.read(streamId, token);
    return t !== undefined && t.expirySec * 1000 >= this.now();
  }

  private mac(subject: string, issuedMs: number, expirySec: number): string {
    return createHmac('sha256', this.key).update(`${subject}.${issuedMs}.${expirySec}`).digest('base64url');
  }
}
