// What stands between a signed media URL and the media, besides the token check (auth.ts):
//   - on-demand start: a live URL whose stream idled out starts it again (INVITE) before the
//     request goes on, as the pull-on-demand design promises (docs/architecture.md §3); a
//     playback URL does not (a playback is one request for one range);
//   - session keeping: a live WHEP session keeps the token it was opened with in use (so the
//     sliding expiry of media-access.ts holds for it), and a session whose token is revoked ends.
import type { NextFunction, Request, Response } from 'express';
import { parseLiveStreamId, type LiveVariant } from '../live-stream-id.js';
import { createLogger } from '../log.js';
import type { MediaAccess } from './media-access.js';

const log = createLogger('api');

export interface OnDemandStart {
  /** Whether the stream runs now (its outputs exist). */
  active(streamId: string): boolean;
  /** Starts (or joins) a channel's live stream; rejects with the GatewayError of the failure. */
  startLive(deviceId: string, channelId: string, variant: LiveVariant): Promise<unknown>;
  /** A request body larger than this is refused by the output (413): it starts nothing. */
  maxBodyBytes?: number;
}

/**
 * After the token check: a request that plays (GET/HEAD of HLS, a WHEP POST) starts the idle
 * live stream its URL names; a DELETE or OPTIONS, or an offer too large to be read, starts
 * nothing and goes on to its answer.
 */
export function startOnDemand(starter: OnDemandStart) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const streamId = String(req.params.streamId ?? '');
    const plays = req.method === 'GET' || req.method === 'HEAD' || req.method === 'POST';
    const length = Number(req.get('content-length') ?? 0);
    if (!plays || length > (starter.maxBodyBytes ?? Infinity) || starter.active(streamId)) {
      return next();
    }
    const live = parseLiveStreamId(streamId);
    if (!live) {
      return next();
    }
    log.info({ streamId, path: req.path }, 'media URL of an idle live stream: starting it');
    // the encoder stream the URL names, whatever the device's default is now
    starter.startLive(live.deviceId, live.channelId, live.variant).then(
      () => next(),
      (err: unknown) => next(err),
    );
  };
}

/** The WHEP sessions as the keeper sees them (gateway/outputs/webrtc/whep-sessions.ts). */
export interface KeptSessions {
  list(): readonly { id: string; streamId: string; token?: string }[];
  close(id: string): void;
}

/**
 * Every `intervalMs` (and on sweep()): touches the token of each live session, so its use slides
 * on, and ends the sessions whose token was revoked. The default interval is half the grace (at
 * most 30 s): a touch must come within every grace period, or an expired session's token lapses
 * and the DELETE on its Location is refused.
 */
export class SessionKeeper {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly access: MediaAccess,
    private readonly sessions: KeptSessions,
    intervalMs = Math.min(30_000, access.graceMs / 2),
  ) {
    this.timer = setInterval(() => this.sweep(), intervalMs);
    this.timer.unref();
  }

  /** Returns how many sessions were ended. */
  sweep(): number {
    let ended = 0;
    for (const s of this.sessions.list()) {
      if (s.token !== undefined && this.access.check(s.streamId, s.token) === 'revoked') {
        log.info({ session: s.id, stream: s.streamId }, 'WHEP session ended: its media URL was revoked');
        this.sessions.close(s.id);
        ended++;
      }
    }
    return ended;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
