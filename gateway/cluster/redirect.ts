// Sends a WHEP, HLS or stream API request to the node that serves the stream (RFC 9110 §15.4.8:
// 307 keeps the method and body, so a WHEP POST of an SDP offer is replayed at the target).
// A stream served here passes through; one the directory places on a node that is gone answers
// 503 with Retry-After while failover invites it elsewhere; an unknown one passes through (404).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ErrorCodes } from '../errors.js';
import type { Logger } from '../log.js';
import type { DirectoryEntry } from './protocol.js';

export interface RedirectDeps {
  /** This node's ID; never redirects to itself. */
  nodeId: string;
  /** True when this node serves the stream itself. */
  servesLocally(streamId: string): boolean;
  lookup(streamId: string): Promise<DirectoryEntry | undefined>;
  /** Whether the entry's node still beats. */
  isAlive(nodeId: string): Promise<boolean> | boolean;
  log: Logger;
  /** Seconds for Retry-After while a lost node's streams move. Default 2. */
  retryAfterSec?: number;
}

export function redirectToServingNode(deps: RedirectDeps): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const raw = req.params.streamId;
    const streamId = typeof raw === 'string' ? raw : '';
    if (!streamId || deps.servesLocally(streamId)) {
      return next();
    }
    void (async () => {
      const entry = await deps.lookup(streamId);
      if (!entry || entry.nodeId === deps.nodeId) {
        return next();
      }
      if (!(await deps.isAlive(entry.nodeId))) {
        const { status } = ErrorCodes.GW_ERR_NODE_UNAVAILABLE;
        res
          .status(status)
          .set('Retry-After', String(deps.retryAfterSec ?? 2))
          .set('Cache-Control', 'no-store')
          .json({
            error: {
              code: 'GW_ERR_NODE_UNAVAILABLE',
              message: `media node ${entry.nodeId} of stream ${streamId} is gone; the stream is moving to another node`,
            },
          });
        return;
      }
      // Concatenated, not resolved: an --advertise-http with a path prefix (an ingress) keeps it.
      const target = entry.http.replace(/\/+$/, '') + req.originalUrl;
      res.status(307).set('Location', target).set('Cache-Control', 'no-store').end();
    })().catch((err: unknown) => {
      deps.log.warn({ err, streamId }, 'stream directory lookup failed');
      next();
    });
  };
}
