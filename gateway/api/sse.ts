// GET /api/events: the event bus as Server-Sent Events (WHATWG HTML §9.2; docs/events.md §4).
// Each event is `id:`, `event:` (alarm, device, channel, position, stream) and `data:` (its JSON).
// A client that reconnects with Last-Event-ID (header, or ?lastEventId=) first gets what it
// missed from the backlog, or an `event: gap` when the backlog no longer reaches back that far.
// An `event: gap` also comes mid-stream when the feed lost events (a cluster media node's copy of
// the stream, docs/events.md §10). A comment line every heartbeat keeps proxies from closing an
// idle stream. A client that does not read (more than maxBufferBytes unsent) is dropped rather
// than buffered without bound; its EventSource reconnects and replays from its last ID.
import type { Request, RequestHandler, Response } from 'express';
import { GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import type { EventFeed, EventsObserver, GatewayEvent } from '../views/events.js';
import { bearerToken, tokensEqual } from './auth.js';
import { parseTypes } from './event-validation.js';
import type { MediaTokenSigner } from './media-token.js';

/** The resource name signed `?token=`s of the event stream are bound to (never a stream ID). */
export const EVENTS_TOKEN_RESOURCE = '@events';

export interface EventStreamOptions {
  feed: EventFeed;
  apiToken: string;
  signer: MediaTokenSigner;
  /** Default 15 000 ms. */
  heartbeatMs?: number;
  /** Default 1 MiB. */
  maxBufferBytes?: number;
  observer?: EventsObserver;
  log: Logger;
}

/** One event in the wire format; JSON never holds a raw newline, so `data:` is one line. */
export function formatEvent(e: GatewayEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

export function eventStream(o: EventStreamOptions): RequestHandler & { readonly clients: number } {
  let clients = 0;
  const handler = (req: Request, res: Response, next: (err?: unknown) => void): void => {
    const bearer = bearerToken(req);
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    if (!(bearer && tokensEqual(bearer, o.apiToken)) && !o.signer.verify(EVENTS_TOKEN_RESOURCE, token)) {
      next(
        new GatewayError(
          'GW_ERR_UNAUTHORIZED',
          'a bearer token or a signed ?token= (POST /api/events/token) is required',
        ),
      );
      return;
    }
    const types = parseTypes(req.query.types);
    if (typeof types === 'string') {
      next(new GatewayError('GW_ERR_BAD_REQUEST', `query types: ${types}`));
      return;
    }
    const header = req.headers['last-event-id'];
    const query = req.query.lastEventId;
    const lastEventId = typeof header === 'string' ? header : typeof query === 'string' ? query : undefined;

    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    // nginx buffers proxied answers unless told not to.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setNoDelay(true);

    const maxBuffer = o.maxBufferBytes ?? 1024 * 1024;
    let open = true;
    // Set once the stream is set up; close() may run before (a write that already overflows).
    const held: { heartbeat?: NodeJS.Timeout; unfollow?: () => void } = {};
    clients++;
    o.observer?.sseClients(clients);
    const close = (): void => {
      if (!open) {
        return;
      }
      open = false;
      clearInterval(held.heartbeat);
      held.unfollow?.();
      clients--;
      o.observer?.sseClients(clients);
    };
    const write = (text: string): void => {
      if (!open) {
        return;
      }
      res.write(text);
      if (res.writableLength > maxBuffer) {
        o.log.warn(
          { unsentBytes: res.writableLength, remote: req.socket.remoteAddress },
          'SSE client too slow: dropped (it reconnects with Last-Event-ID)',
        );
        o.observer?.deliveryFailed('sse');
        close();
        res.destroy();
      }
    };
    let lastSent = lastEventId ?? null;
    const send = (e: GatewayEvent): void => {
      write(formatEvent(e));
      if (open) {
        lastSent = e.id;
        o.observer?.delivered('sse');
      }
    };
    const gap = (): void => write(`event: gap\ndata: ${JSON.stringify({ lastEventId: lastSent })}\n\n`);

    // Reconnect after 3 s (the EventSource default is browser-defined).
    write('retry: 3000\n: connected\n\n');
    if (!open) {
      return;
    }
    const follow = o.feed.follow(
      { types, ...(lastEventId !== undefined ? { lastEventId } : {}), onGap: gap },
      send,
    );
    held.unfollow = () => follow.close();
    if (follow.gap) {
      gap();
    }
    for (const e of follow.backlog) {
      send(e);
    }
    if (!open) {
      return;
    }
    held.heartbeat = setInterval(
      () => write(`: ping ${new Date().toISOString()}\n\n`),
      o.heartbeatMs ?? 15_000,
    );
    held.heartbeat.unref();
    res.on('close', close);
    req.on('close', close);
  };
  return Object.defineProperty(handler, 'clients', { get: () => clients }) as RequestHandler & {
    readonly clients: number;
  };
}
