// Signed, expiring media tokens for WHEP and HLS URLs: a viewer holding a URL from `live`
// or `playback` can watch that one stream until the token expires, without the API token.
// Format: `<expiry epoch seconds>.<base64url HMAC-SHA256(streamId "." expiry)>`.
import { createHmac, timingSafeEqual } from 'node:crypto';

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
    const expiry = Math.floor(this.now() / 1000) + ttlSec;
    return `${expiry}.${this.mac(streamId, expiry)}`;
  }

  verify(streamId: string, token: string | undefined): boolean {
    if (!token || token.length > 200) {
      return false;
    }
    const dot = token.indexOf('.');
    if (dot <= 0) {
      return false;
    }
    const expiry = Number(token.slice(0, dot));
    if (!Number.isSafeInteger(expiry) || expiry * 1000 < this.now()) {
      return false;
    }
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.mac(streamId, expiry));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private mac(streamId: string, expiry: number): string {
    return createHmac('sha256', this.key).update(`${streamId}.${expiry}`).digest('base64url');
  }
}
