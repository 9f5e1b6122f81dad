// Bearer-token guard for /api/* and the media-token guard for /whep and /hls.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../errors.js';
import type { MediaTokenSigner } from './media-token.js';

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

/**
 * Media routes accept either the API token (as bearer) or the signed `?token=` that
 * `live`/`playback` put into the URLs they return.
 */
export function requireMediaToken(
  apiToken: string,
  signer: MediaTokenSigner,
  /** What the token was signed for; default the stream ID (a talk's is `talk:<talkId>`). */
  subjectOf: (req: Request) => string = (req) => String(req.params.streamId ?? ''),
) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const subject = subjectOf(req);
    const bearer = bearerToken(req);
    if (bearer && tokensEqual(bearer, apiToken)) {
      return next();
    }
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    if (signer.verify(subject, token)) {
      return next();
    }
    next(new GatewayError('GW_ERR_UNAUTHORIZED', 'missing, wrong or expired media token'));
  };
}
