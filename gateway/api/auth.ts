// Bearer-token guard for /api/* and the media-token guard for /whep and /hls.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../errors.js';
import type { MediaAccess } from './media-access.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Compares digests so neither length nor content leaks through timing. */
export function tokensEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) {
    return undefined;
  }
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

export function requireApiToken(apiToken: string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const token = bearerToken(req);
    if (token && tokensEqual(token, apiToken)) {
      return next();
    }
    next(
      new GatewayError(
        'GW_ERR_UNAUTHORIZED',
        'missing or wrong bearer token (Authorization: Bearer <token>)',
      ),
    );
  };
}

const VERDICT_MESSAGES = {
  invalid: 'missing or wrong media token',
  expired: 'the media token expired and has not been in use; ask the API for a new URL',
  revoked: 'the media token was revoked by an operator; ask the API for a new URL',
} as const;

/**
 * Media routes accept either the API token (as bearer) or the signed `?token=` that
 * `live`/`playback` put into the URLs they return (media-access.ts: sliding expiry, revocation).
 * OPTIONS passes: it carries no credentials (CORS preflights never do; cors.ts answers those).
 */
export function requireMediaToken(
  apiToken: string,
  access: MediaAccess,
  /** What the token was signed for; default the stream ID (a talk's is `talk:<talkId>`). */
  subjectOf: (req: Request) => string = (req) => String(req.params.streamId ?? ''),
) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (req.method === 'OPTIONS') {
      return next();
    }
    const subject = subjectOf(req);
    const bearer = bearerToken(req);
    if (bearer && tokensEqual(bearer, apiToken)) {
      return next();
    }
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    const verdict = access.check(subject, token);
    if (verdict === 'ok') {
      return next();
    }
    next(new GatewayError('GW_ERR_UNAUTHORIZED', VERDICT_MESSAGES[verdict]));
  };
}
