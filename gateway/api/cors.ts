// Cross-origin access (Fetch standard, CORS protocol) for the API, WHEP and HLS: a player page
// on another origin may call the gateway only when the operator lists that origin
// (--cors-origins); same-origin pages (the web demo) need nothing. Preflights are answered here,
// before any authentication, since browsers never send credentials on them. A cross-origin
// request from an origin not listed is refused with 403, so nothing it could read (a signed URL,
// a playlist with its token) is even produced for it.
import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../errors.js';
import { createLogger } from '../log.js';

const log = createLogger('api');

/** Response headers a cross-origin page may read: WHEP's session resource and links (draft-ietf-wish-whep §4). */
const EXPOSED = 'Location, ETag, Link, Accept-Patch, Accept-Post, Retry-After, Content-Length';
const METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
/** Request headers the gateway reads: bearer tokens, JSON/SDP bodies, WHEP's If-Match. */
const HEADERS = 'Authorization, Content-Type, If-Match';

/** `scheme://host[:port]`, lower case, as browsers send Origin. */
export function normalizeOrigin(origin: string): string | undefined {
  try {
    const u = new URL(origin);
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.pathname !== '/' || u.search || u.hash) {
      return undefined;
    }
    return u.origin;
  } catch {
    return undefined;
  }
}

function sameOrigin(req: Request, origin: string): boolean {
  try {
    // The host alone: behind a TLS-terminating proxy the scheme seen here differs from the page's.
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function cors(allowed: readonly string[]) {
  const origins = new Set(allowed.map((o) => normalizeOrigin(o)).filter((o): o is string => o !== undefined));
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    if (origin === undefined) {
      return next();
    }
    res.vary('Origin');
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (!origins.has(origin)) {
      if (sameOrigin(req, origin) && !preflight) {
        return next();
      }
      log.info(
        { origin, method: req.method, path: req.path },
        'cross-origin request from an origin not listed',
      );
      return next(
        new GatewayError(
          'GW_ERR_FORBIDDEN',
          `origin ${origin} is not allowed; the operator lists allowed origins with --cors-origins`,
        ),
      );
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', EXPOSED);
    if (preflight) {
      res.setHeader('Access-Control-Allow-Methods', METHODS);
      res.setHeader('Access-Control-Allow-Headers', HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}
