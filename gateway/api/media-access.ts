// Who may use a signed media URL (docs/api.md §5), on top of the signature check of
// media-token.ts:
//   - sliding expiry: a token past its expiry stays good while it is in use (a request, or a
//     live WHEP session it opened, at least once per grace period), so a video wall plays for a
//     month without a reload while a URL nobody uses still dies at its expiry;
//   - revocation: an operator revokes every URL of a channel, or every URL, issued up to now;
//     revoked tokens fail at once, in use or not, and the moments survive a restart (store).
import { channelOfStreamId } from '../live-stream-id.js';
import type { MediaRevocationStore } from '../store/media-revocations.js';
import type { MediaTokenSigner } from './media-token.js';

export type AccessVerdict = 'ok' | 'invalid' | 'expired' | 'revoked';

export interface MediaAccessOptions {
  now?: () => number;
  /** How long an expired token in use stays good after its last use. Default 120 s. */
  graceMs?: number;
  /** Where revocations are kept across restarts. Default: memory only. */
  store?: MediaRevocationStore;
  /** Remembered tokens in use before the oldest are dropped. Default 100 000. */
  maxRemembered?: number;
}

/** The scope key of "every URL". */
const ALL = '*';

export class MediaAccess {
  private readonly now: () => number;
  /** How long an expired token in use stays good after its last use (ms). */
  readonly graceMs: number;
  private readonly maxRemembered: number;
  /** Token MAC → last use (ms). Only tokens whose signature held get here. */
  private readonly lastUse = new Map<string, number>();
  /** Scope (`<device>/<channel>` or '*') → tokens issued at or before this ms are revoked. */
  private readonly revokedBefore: Map<string, number>;

  constructor(
    private readonly signer: MediaTokenSigner,
    private readonly opts: MediaAccessOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.graceMs = opts.graceMs ?? 120_000;
    this.maxRemembered = opts.maxRemembered ?? 100_000;
    this.revokedBefore = new Map(opts.store?.load() ?? []);
  }

  sign(streamId: string, ttlSec: number): string {
    return this.signer.sign(streamId, ttlSec);
  }

  /** The verdict on a token for this stream; a good one counts as a use (it slides). */
  check(streamId: string, token: string | undefined): AccessVerdict {
    const t = this.signer.read(streamId, token);
    if (!t) {
      return 'invalid';
    }
    const channel = channelOfStreamId(streamId);
    const revoked = Math.max(
      this.revokedBefore.get(ALL) ?? -1,
      channel ? (this.revokedBefore.get(channel) ?? -1) : -1,
    );
    if (t.issuedMs <= revoked) {
      this.lastUse.delete(t.mac);
      return 'revoked';
    }
    const now = this.now();
    const inUse = (this.lastUse.get(t.mac) ?? -Infinity) >= now - this.graceMs;
    if (t.expirySec * 1000 < now && !inUse) {
      return 'expired';
    }
    this.remember(t.mac, now);
    return 'ok';
  }

  /**
   * Revokes the URLs of one channel (all its live and playback streams) or, without a channel,
   * every URL issued up to now. Returns the moment.
   */
  revoke(channel?: { deviceId: string; channelId: string }): Date {
    const at = this.now();
    const scope = channel ? `${channel.deviceId}/${channel.channelId}` : ALL;
    this.revokedBefore.set(scope, at);
    this.opts.store?.save(scope, at);
    return new Date(at);
  }

  private remember(mac: string, now: number): void {
    this.lastUse.delete(mac); // re-insert: the map stays in order of last use
    this.lastUse.set(mac, now);
    if (this.lastUse.size > this.maxRemembered) {
      for (const [key, at] of this.lastUse) {
        if (this.lastUse.size <= this.maxRemembered && at >= now - this.graceMs) {
          break;
        }
        this.lastUse.delete(key);
      }
    }
  }
}
