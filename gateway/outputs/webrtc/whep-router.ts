// WHEP endpoint (draft-ietf-wish-whep, which takes its HTTP rules from RFC 9725 WHIP):
//   POST   /whep/:streamId             application/sdp offer → 201, answer, Location (§4.2)
//   DELETE /whep/:streamId/:sessionId  ends the session → 200 (§4.2)
//   PATCH  /whep/:streamId/:sessionId  trickle ICE / ICE restart: not offered → 405 (§4.3.1;
//                                       the answer carries no a=ice-options:trickle, sdp-answer.ts)
//   OPTIONS on either                  → 204 with Allow (and Accept-Post on the endpoint)
// Errors leave as {error: {code, message}} with the status from errors.ts.
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { createLogger } from '../../log.js';
import { selectCodecs, type NegotiationPlan } from './codec-select.js';
import { WhepError, isWhepError } from './errors.js';
import { FanoutScheduler } from './fanout-scheduler.js';
import { PacketizeCache } from './packetize-cache.js';
import type { WebRtcNetworkOptions } from './peer-config.js';
import { MAX_OFFER_BYTES, parseOffer } from './sdp-offer.js';
import { WhepSession, type WhepStream, type WhepTranscoder } from './whep-session.js';
import { WhepSessions } from './whep-sessions.js';
import type { ViewerSession } from './viewer-session.js';
import type { ViewerWorkers } from './workers/viewer-workers.js';
import { refusalMessage, ViewerSlots, type ViewerSlot } from './viewer-slots.js';
import { LogThrottle } from '../../log-throttle.js';

export type { WhepTranscoder } from './whep-session.js';

const log = createLogger('gateway:whep');
/** Refused offers come from whoever holds a URL: their lines are rate-limited. */
const refusals = new LogThrottle(log, { linesPerWindow: 10 });

export interface WhepRouterDeps {
  resolveStream(streamId: string): WhepStream | undefined;
  /** Address in the ICE host candidate (config `public-ip`). */
  publicIp: string;
  webrtc?: {
    /** UDP ports for viewer sockets (config `webrtc-ports`); see peer-config.ts. Default: ephemeral. */
    portRange?: { min: number; max: number };
    /** Local bind address for viewer sockets. Default: all interfaces. */
    bindAddress?: string;
    /** RTP payload size limit. Default 1200. */
    mtu?: number;
    /** Concurrent WebRTC viewers per process; more get 503. Default 100 (≈0.8 % of a core per 4 Mbit/s viewer on the direct send path: bench/webrtc-fanout.ts). */
    maxSessions?: number;
    /** Viewers of one stream. Default maxSessions (the gateway passes its --webrtc-max-viewers-per-stream). */
    maxSessionsPerStream?: number;
    /** Viewers still connecting (ICE/DTLS unfinished) on one stream. Default maxSessions. */
    maxPendingPerStream?: number;
    /** Viewers still connecting from one client address. Default maxSessions. */
    maxPendingPerClient?: number;
    /** 'sliced' (default) spreads sends over event-loop turns (fanout-scheduler.ts); 'sync' sends inside write(). */
    fanout?: 'sliced' | 'sync';
    /** How long POST waits for a just-started stream to show its codec. Default 5000 ms. */
    mediaWaitMs?: number;
    /** ICE+DTLS deadline after the answer. Default 15000 ms. */
    connectTimeoutMs?: number;
    /** A connected viewer silent (no RTCP) this long is dropped. Default 15000 ms. */
    viewerTimeoutMs?: number;
    /** 'direct' (default) encrypts and sends in srtp-sender.ts; 'werift' uses RTCRtpSender.sendRtp (bench comparison). */
    sendPath?: 'direct' | 'werift';
  };
  /** Optional H.265 → H.264 transcoding for viewers without an H.265 decoder. */
  transcoder?: WhepTranscoder;
  /** Sessions run in these viewer threads (--media-workers); without them, on this thread. */
  workers?: ViewerWorkers;
  /** The client behind a request (trusted proxies considered); default the socket's peer. */
  clientOf?: (req: Request) => string;
}

export interface WhepRouter extends Router {
  readonly sessions: WhepSessions;
  /** The viewer slots and how often each limit refused one. */
  readonly slots: ViewerSlots;
}

/**
 * The session resource. A session opened with a signed media token carries it, so a DELETE to
 * exactly this Location is authorized as the POST was (the token keeps sliding while the
 * session lives: gateway/api/media-guard.ts).
 */
const sessionPath = (streamId: string, sessionId: string, token: string | undefined): string =>
  `/whep/${encodeURIComponent(streamId)}/${sessionId}${token ? `?token=${encodeURIComponent(token)}` : ''}`;

function sendError(res: Response, err: unknown): void {
  const e = isWhepError(err) ? err : new WhepError('GW_ERR_WEBRTC_FAILED');
  if (!isWhepError(err)) {
    log.error({ err }, 'WHEP request failed');
  }
  if (e.status === 405) {
    res.setHeader('Allow', 'DELETE, OPTIONS');
  }
  if (!res.headersSent) {
    res.status(e.status).json(e.toJSON());
  }
}

/** Polls the hub until the codec is known: a stream started by this request has no media yet. */
async function waitForVideo(stream: WhepStream, timeoutMs: number): Promise<void> {
  if (stream.info.videoCodec) {
    return;
  }
  stream.start?.().catch(() => {}); // a failed start closes the stream, seen below
  const deadline = Date.now() + timeoutMs;
  while (!stream.info.videoCodec) {
    if (stream.closed) {
      throw new WhepError('GW_ERR_STREAM_NOT_FOUND', `stream ${stream.id} ended before it delivered video`);
    }
    if (Date.now() >= deadline) {
      throw new WhepError('GW_ERR_STREAM_NOT_READY');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function whepRouter(deps: WhepRouterDeps): WhepRouter {
  const opts = deps.webrtc ?? {};
  const net: WebRtcNetworkOptions = {
    publicIp: deps.publicIp,
    ...(opts.portRange ? { portRange: opts.portRange } : {}),
    ...(opts.bindAddress ? { bindAddress: opts.bindAddress } : {}),
  };
  const cache = new PacketizeCache({ mtu: opts.mtu ?? 1200 });
  const scheduler = (opts.fanout ?? 'sliced') === 'sliced' ? new FanoutScheduler() : undefined;
  const sessions = new WhepSessions();
  const maxSessions = opts.maxSessions ?? 100;
  const slots = new ViewerSlots({
    maxViewers: maxSessions,
    maxViewersPerStream: opts.maxSessionsPerStream ?? maxSessions,
    maxPendingPerStream: opts.maxPendingPerStream ?? maxSessions,
    maxPendingPerClient: opts.maxPendingPerClient ?? maxSessions,
    connectTimeoutSec: (opts.connectTimeoutMs ?? 15_000) / 1000,
  });
  const clientOf = deps.clientOf ?? ((req: Request) => req.socket.remoteAddress ?? 'unknown');
  const router = express.Router() as WhepRouter;
  Object.defineProperty(router, 'sessions', { value: sessions });
  Object.defineProperty(router, 'slots', { value: slots });

  const sdpBody = express.text({ type: 'application/sdp', limit: MAX_OFFER_BYTES });

  router.options('/whep/:streamId', (_req, res) => {
    res.setHeader('Allow', 'OPTIONS, POST');
    res.setHeader('Accept-Post', 'application/sdp');
    res.status(204).end();
  });

  router.post('/whep/:streamId', (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('application/sdp')) {
      sendError(res, new WhepError('GW_ERR_UNSUPPORTED_MEDIA_TYPE'));
      return;
    }
    sdpBody(req, res, (err?: unknown) => {
      if (err) {
        const tooLarge = (err as { type?: string }).type === 'entity.too.large';
        sendError(
          res,
          tooLarge
            ? new WhepError(
                'GW_ERR_PAYLOAD_TOO_LARGE',
                `the SDP offer is larger than ${MAX_OFFER_BYTES} bytes`,
              )
            : new WhepError('GW_ERR_BAD_SDP', 'the SDP offer body could not be read'),
        );
        return;
      }
      handlePost(req, res).catch(next);
    });
  });

  async function handlePost(req: Request, res: Response): Promise<void> {
    let slot: ViewerSlot | undefined;
    try {
      const streamId = String(req.params.streamId);
      const stream = deps.resolveStream(streamId);
      if (!stream || stream.closed) {
        throw new WhepError('GW_ERR_STREAM_NOT_FOUND', `no active stream ${streamId}`);
      }
      const offer = parseOffer(typeof req.body === 'string' ? req.body : '');
      // Taken before the first await, so concurrent offers cannot all pass the check.
      const taken = slots.take(streamId, clientOf(req));
      if ('refused' in taken) {
        refusals.warn(
          taken.refused,
          { stream: streamId, client: clientOf(req), limit: taken.refused },
          'WHEP offer refused',
        );
        res.setHeader('Retry-After', '2');
        throw new WhepError('GW_ERR_TOO_MANY_VIEWERS', refusalMessage(taken.refused, slots.limits));
      }
      slot = taken.slot;
      await waitForVideo(stream, opts.mediaWaitMs ?? 5000);
      const info = stream.info;
      if (info.stalled) {
        throw new WhepError(
          'GW_ERR_STREAM_NOT_READY',
          'the camera has stopped sending media (the stream stalled); retry once it is back',
        );
      }
      if (info.hasBFrames) {
        throw new WhepError(
          'GW_ERR_BFRAMES_UNSUPPORTED',
          'The camera sends B-frames, which browsers cannot decode over WebRTC; use HLS for this stream (it carries B-frames), or turn B-frames off on the camera.',
        );
      }
      const plan: NegotiationPlan = selectCodecs(
        offer,
        { videoCodec: info.videoCodec!, ...(info.audioCodec ? { audioCodec: info.audioCodec } : {}) },
        Boolean(deps.transcoder),
      );
      if (plan.audioSkipped) {
        log.info({ stream: streamId, why: plan.audioSkipped }, 'WHEP viewer gets no audio');
      }
      const sessionId = randomUUID();
      const heldSlot = slot;
      const common = {
        id: sessionId,
        stream,
        offer,
        plan,
        ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
        ...(opts.sendPath ? { sendPath: opts.sendPath } : {}),
        ...(opts.viewerTimeoutMs !== undefined ? { viewerTimeoutMs: opts.viewerTimeoutMs } : {}),
        onConnected: () => heldSlot.connected(),
        onEnded: (s: ViewerSession) => {
          sessions.remove(s.id);
          heldSlot.release();
        },
      };
      const session: ViewerSession = deps.workers
        ? await deps.workers.open(common)
        : await WhepSession.open({
            ...common,
            ...(deps.transcoder ? { transcoder: deps.transcoder } : {}),
            net,
            cache,
            ...(scheduler ? { scheduler } : {}),
            serialize: (fn) => sessions.serialize(fn),
          });
      slot = undefined; // the session releases it when it ends
      if (session.state === 'closed') {
        throw new WhepError('GW_ERR_WEBRTC_FAILED');
      }
      const token = typeof req.query.token === 'string' ? req.query.token : undefined;
      sessions.add(stream, session, token);
      log.info(
        { stream: streamId, session: sessionId, video: plan.video.codec, audio: plan.audio?.codec.name },
        'WHEP session created',
      );
      res.status(201);
      res.setHeader('Content-Type', 'application/sdp');
      res.setHeader('Location', sessionPath(streamId, sessionId, token));
      res.setHeader('ETag', `"${sessionId}"`);
      res.end(session.answer); // res.send() would append '; charset=utf-8' to the SDP type
    } catch (err) {
      slot?.release();
      if (isWhepError(err) && err.code === 'GW_ERR_WEBRTC_PORTS_EXHAUSTED') {
        slots.refuse('ports');
        res.setHeader('Retry-After', '5');
      }
      sendError(res, err);
    }
  }

  const findSession = (req: Request): ViewerSession => {
    const session = sessions.get(String(req.params.sessionId));
    if (!session || sessions.streamOf(session.id) !== String(req.params.streamId)) {
      throw new WhepError(
        'GW_ERR_SESSION_NOT_FOUND',
        `no WHEP session ${String(req.params.sessionId)} on stream ${String(req.params.streamId)}`,
      );
    }
    return session;
  };

  router.delete('/whep/:streamId/:sessionId', (req, res) => {
    try {
      findSession(req).close('viewer-left');
      res.status(200).end();
    } catch (err) {
      sendError(res, err);
    }
  });

  router.patch('/whep/:streamId/:sessionId', (req, res) => {
    try {
      findSession(req);
      throw new WhepError('GW_ERR_TRICKLE_UNSUPPORTED');
    } catch (err) {
      sendError(res, err);
    }
  });

  router.options('/whep/:streamId/:sessionId', (_req, res) => {
    res.setHeader('Allow', 'DELETE, OPTIONS');
    res.status(204).end();
  });

  return router;
}
