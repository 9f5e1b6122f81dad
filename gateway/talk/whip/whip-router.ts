// WHIP endpoint for talks (RFC 9725), beside the WHEP one (gateway/outputs/webrtc/whep-router.ts):
//   POST    /whip/:talkId              application/sdp offer → 201, answer, Location (§4.2)
//   DELETE  /whip/:talkId/:sessionId   ends the publisher, and with it the talk (§4.2)
//   PATCH   /whip/:talkId/:sessionId   trickle ICE / ICE restart: unsupported → 405 (§4.3.1)
//   OPTIONS on either                  → 204 with Allow (and Accept-Post on the endpoint)
// The Location carries the talk's signed token, so the DELETE a browser sends to it is
// authenticated like the POST was (the media-token guard in gateway/api/app.ts checks both).
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { G711Law } from '../../../codecs/g711/law-convert.js';
import { GatewayError, isGatewayError } from '../../errors.js';
import { createLogger } from '../../log.js';
import type { WebRtcNetworkOptions } from '../../outputs/webrtc/peer-config.js';
import { MAX_OFFER_BYTES } from '../../outputs/webrtc/sdp-offer.js';
import type { AudioFrame } from '../audio-frame.js';
import { readWhipOffer } from './whip-offer.js';
import { WhipPublisher, type PublisherEnd } from './whip-publisher.js';

const log = createLogger('gateway:whip');

/** What the router needs from a talk (the voice service's talk record satisfies it). */
export interface WhipTalk {
  readonly talkId: string;
  /** The law to prefer in the answer (the devices'), when the browser offers both. */
  readonly law: G711Law;
  write(frame: AudioFrame): void;
  /** A publisher connected its offer; a previous one (a reconnecting page) is replaced. */
  publisherAttached(publisher: WhipPublisher): void;
  publisherEnded(publisher: WhipPublisher, reason: PublisherEnd): void;
}

export interface WhipRouterDeps {
  resolveTalk(talkId: string): WhipTalk | undefined;
  net: WebRtcNetworkOptions;
  /** The lane that serializes ICE gathering (shared with WHEP: the same port range). */
  serialize<T>(fn: () => Promise<T>): Promise<T>;
  /** The signed `?token=` for the talk, written into the Location. */
  locationToken(talkId: string): string;
  connectTimeoutMs?: number;
  silenceTimeoutMs?: number;
}

export interface WhipRouter extends Router {
  /** Live publishers by session ID. */
  readonly publishers: ReadonlyMap<string, WhipPublisher>;
}

function sendError(res: Response, err: unknown): void {
  const e = isGatewayError(err) ? err : new GatewayError('GW_ERR_WEBRTC_FAILED');
  if (!isGatewayError(err)) {
    log.error({ err }, 'WHIP request failed');
  } else {
    log.info({ code: e.code, message: e.message }, 'WHIP request refused');
  }
  if (e.status === 405) {
    res.setHeader('Allow', 'DELETE, OPTIONS');
  }
  if (!res.headersSent) {
    res.status(e.status).json(e.toJSON());
  }
}

export function whipRouter(deps: WhipRouterDeps): WhipRouter {
  const publishers = new Map<string, { publisher: WhipPublisher; talkId: string }>();
  const view = new Map<string, WhipPublisher>();
  const router = express.Router() as WhipRouter;
  Object.defineProperty(router, 'publishers', { value: view });
  const sdpBody = express.text({ type: 'application/sdp', limit: MAX_OFFER_BYTES });

  router.options('/whip/:talkId', (_req, res) => {
    res.setHeader('Allow', 'OPTIONS, POST');
    res.setHeader('Accept-Post', 'application/sdp');
    res.status(204).end();
  });

  router.post('/whip/:talkId', (req, res) => {
    if (!req.is('application/sdp')) {
      sendError(
        res,
        new GatewayError('GW_ERR_UNSUPPORTED_MEDIA_TYPE', 'the WHIP offer must be sent as application/sdp'),
      );
      return;
    }
    sdpBody(req, res, (err?: unknown) => {
      if (err) {
        sendError(
          res,
          new GatewayError('GW_ERR_BAD_SDP', 'the SDP offer body could not be read (too large?)'),
        );
        return;
      }
      publish(req, res).catch((e: unknown) => sendError(res, e));
    });
  });

  async function publish(req: Request, res: Response): Promise<void> {
    const talkId = String(req.params.talkId);
    const talk = deps.resolveTalk(talkId);
    if (!talk) {
      throw new GatewayError('GW_ERR_TALK_NOT_FOUND', `no active talk ${talkId}`);
    }
    const offer = readWhipOffer(typeof req.body === 'string' ? req.body : '', talk.law);
    const id = randomUUID();
    const publisher = await WhipPublisher.open({
      id,
      offer,
      net: deps.net,
      serialize: (fn) => deps.serialize(fn),
      onFrame: (frame) => talk.write(frame),
      onEnded: (p, reason) => {
        publishers.delete(p.id);
        view.delete(p.id);
        talk.publisherEnded(p, reason);
      },
      ...(deps.connectTimeoutMs !== undefined ? { connectTimeoutMs: deps.connectTimeoutMs } : {}),
      ...(deps.silenceTimeoutMs !== undefined ? { silenceTimeoutMs: deps.silenceTimeoutMs } : {}),
    });
    publishers.set(id, { publisher, talkId });
    view.set(id, publisher);
    talk.publisherAttached(publisher);
    log.info(
      { talkId, publisher: id, law: offer.law, payloadType: offer.payloadType },
      'WHIP publisher created',
    );
    const token = encodeURIComponent(deps.locationToken(talkId));
    res.status(201);
    res.setHeader('Content-Type', 'application/sdp');
    res.setHeader('Location', `/whip/${encodeURIComponent(talkId)}/${id}?token=${token}`);
    res.setHeader('ETag', `"${id}"`);
    res.end(publisher.answer);
  }

  const find = (req: Request): WhipPublisher => {
    const entry = publishers.get(String(req.params.sessionId));
    if (!entry || entry.talkId !== String(req.params.talkId)) {
      throw new GatewayError(
        'GW_ERR_SESSION_NOT_FOUND',
        `no WHIP session ${String(req.params.sessionId)} on talk ${String(req.params.talkId)}`,
      );
    }
    return entry.publisher;
  };

  router.delete('/whip/:talkId/:sessionId', (req, res) => {
    try {
      find(req).close('publisher-left');
      res.status(200).end();
    } catch (err) {
      sendError(res, err);
    }
  });

  router.patch('/whip/:talkId/:sessionId', (req, res) => {
    try {
      find(req);
      throw new GatewayError(
        'GW_ERR_TRICKLE_UNSUPPORTED',
        'this WHIP endpoint does not support trickle ICE or ICE restarts; send all candidates in the offer',
      );
    } catch (err) {
      sendError(res, err);
    }
  });

  router.options('/whip/:talkId/:sessionId', (_req, res) => {
    res.setHeader('Allow', 'DELETE, OPTIONS');
    res.status(204).end();
  });

  return router;
}
