// createApp(deps) → express app, with no listen() so tests can listen(0) and fetch.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../errors.js';
import { requireApiToken, requireMediaToken } from './auth.js';
import { errorHandler, notFound } from './error-handler.js';
import type { MediaTokenSigner } from './media-token.js';
import { buildOpenApi } from './openapi.js';
import { rateLimit } from './rate-limit.js';
import type { ApiRoute } from './route-table.js';
import { buildRoutes } from './routes.js';
import type { CascadeServices } from '../views/cascade-services.js';
import type { ControlServices } from '../views/control.js';
import type { DeviceEventControl, EventsObserver, EventsServices } from '../views/events.js';
import type { Logger } from '../log.js';
import { createLogger } from '../log.js';
import { eventStream, EVENTS_TOKEN_RESOURCE } from './sse.js';
import type { GatewayServices } from '../views/services.js';

export interface AppDeps {
  services: GatewayServices;
  /** The gateway's own upper platforms (/api/upper-platforms). */
  cascade?: CascadeServices;
  /** Device control and management (routes/control.ts). */
  control?: ControlServices;
  apiToken: string;
  signer: MediaTokenSigner;
  version: string;
  /** Absolute base URL of the node serving a stream (--role signaling); default relative URLs. */
  mediaBase?(streamId: string): string | undefined;
  /** Lifetime of the signed media URLs that live/playback return. */
  mediaTokenTtlSec?: number;
  whep?: Router;
  hls?: Router;
  metrics?: { contentType: string; render(): Promise<string> };
  /** Directory of the web demo; served at / when present. */
  webDemoDir?: string;
  /** Directory of node_modules, for hls.js in the demo. */
  nodeModulesDir?: string;
  rate?: { perSecond: number; burst: number };
  /** Alarms, positions, webhooks and the event stream (gateway/events/). */
  events?: EventsServices;
  /** Subscriptions, guard, alarm reset (the upper platform). */
  deviceEvents?: DeviceEventControl;
  /** GET /api/events tuning; defaults 15 s heartbeat, 1 MiB unsent per client. */
  eventStream?: { heartbeatMs?: number; maxBufferBytes?: number; observer?: EventsObserver; log?: Logger };
  /** What the demo page reads from /demo-config.json (the map's tile URL; empty for none). */
  demoConfig?: { mapTiles: string };
  /**
   * Check every success body against its route's response schema before sending it; a mismatch
   * is a bug in the gateway and answers 500. Default on under test (NODE_ENV=test), off in
   * production (the check costs a parse per answer).
   */
  checkResponses?: boolean;
}

export interface GatewayApp {
  app: express.Express;
  routes: ApiRoute[];
}

function validated(route: ApiRoute, checkResponse: boolean) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const parse = (schema: ApiRoute['params'], value: unknown, where: string) => {
        if (!schema) {
          return value;
        }
        const r = schema.safeParse(value ?? {});
        if (!r.success) {
          const issue = r.error.issues[0];
          const field = issue?.path.join('.') || where;
          throw new GatewayError('GW_ERR_BAD_REQUEST', `${where} ${field}: ${issue?.message ?? 'invalid'}`);
        }
        return r.data;
      };
      const alternate = route.alternateTypes?.find((t) => req.accepts(['application/json', t]) === t);
      const input = {
        params: parse(route.params, req.params, 'path') as Record<string, unknown>,
        query: parse(route.query, req.query, 'query') as Record<string, unknown>,
        body: parse(route.body, req.body, 'body'),
        ...(alternate ? { type: alternate } : {}),
      };
      const result = await route.handler(input);
      if (checkResponse) {
        const checked = route.response.safeParse(result);
        if (!checked.success) {
          const issue = checked.error.issues[0];
          throw new Error(
            `${route.method.toUpperCase()} ${route.path} answered off its schema at ` +
              `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
          );
        }
      }
      if (alternate) {
        res
          .status(route.status ?? 200)
          .type(alternate)
          .send(JSON.stringify(result));
      } else {
        res.status(route.status ?? 200).json(result);
      }
    } catch (err) {
      next(err);
    }
  };
}

export function createApp(deps: AppDeps): GatewayApp {
  const startedAt = Date.now();
  const ttl = deps.mediaTokenTtlSec ?? 6 * 3600;
  const eventsTokenTtlSec = 12 * 3600;
  const routes = buildRoutes({
    services: deps.services,
    ...(deps.cascade ? { cascade: deps.cascade } : {}),
    ...(deps.control ? { control: deps.control } : {}),
    ...(deps.events ? { events: deps.events } : {}),
    ...(deps.deviceEvents ? { deviceEvents: deps.deviceEvents } : {}),
    eventsToken: () => ({
      token: deps.signer.sign(EVENTS_TOKEN_RESOURCE, eventsTokenTtlSec),
      expiresAt: new Date(Date.now() + eventsTokenTtlSec * 1000).toISOString(),
    }),
    version: deps.version,
    startedAt,
    mediaUrls: (streamId) => {
      const token = encodeURIComponent(deps.signer.sign(streamId, ttl));
      const base = deps.mediaBase?.(streamId) ?? '';
      return {
        whep: `${base}/whep/${streamId}?token=${token}`,
        hls: `${base}/hls/${streamId}/index.m3u8?token=${token}`,
      };
    },
  });
  const openapi = buildOpenApi(routes, deps.version);

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });

  const apiAuth = requireApiToken(deps.apiToken);
  const mediaAuth = requireMediaToken(deps.apiToken, deps.signer);
  const limiter = rateLimit(deps.rate ?? { perSecond: 50, burst: 200 });

  if (deps.events) {
    const sse = deps.eventStream ?? {};
    app.get(
      '/api/events',
      limiter,
      eventStream({
        feed: deps.events.feed,
        apiToken: deps.apiToken,
        signer: deps.signer,
        ...(sse.heartbeatMs !== undefined ? { heartbeatMs: sse.heartbeatMs } : {}),
        ...(sse.maxBufferBytes !== undefined ? { maxBufferBytes: sse.maxBufferBytes } : {}),
        ...(sse.observer ? { observer: sse.observer } : {}),
        log: sse.log ?? createLogger('sse'),
      }),
    );
  }

  const api = express.Router();
  api.use(limiter);
  api.use(express.json({ limit: '16kb' }));
  const checkResponses = deps.checkResponses ?? process.env.NODE_ENV === 'test';
  for (const route of routes) {
    const handler = validated(route, checkResponses);
    const handlers = route.auth === 'bearer' ? [apiAuth, handler] : [handler];
    api[route.method](route.path, ...handlers);
  }
  app.use(api);
  app.use('/api', notFound);

  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  if (deps.metrics) {
    const metrics = deps.metrics;
    app.get('/metrics', (_req, res, next) => {
      metrics.render().then((text) => res.type(metrics.contentType).send(text), next);
    });
  }
  if (deps.whep) {
    app.use('/whep/:streamId', limiter, mediaAuth);
    app.use(deps.whep);
  }
  if (deps.hls) {
    app.use('/hls/:streamId', mediaAuth);
    app.use('/hls', deps.hls);
  }
  if (deps.nodeModulesDir) {
    const hlsJs = join(deps.nodeModulesDir, 'hls.js', 'dist', 'hls.min.js');
    app.get('/vendor/hls.min.js', (_req, res) => res.sendFile(hlsJs));
    // Leaflet for the demo's map, from node_modules (bundled with the gateway, no CDN).
    const leaflet = join(deps.nodeModulesDir, 'leaflet', 'dist');
    app.get('/vendor/leaflet/leaflet.js', (_req, res) => res.sendFile(join(leaflet, 'leaflet.js')));
    app.get('/vendor/leaflet/leaflet.css', (_req, res) => res.sendFile(join(leaflet, 'leaflet.css')));
    app.get('/vendor/leaflet/images/:file', (req, res, next) => {
      const file = String(req.params.file);
      if (!/^[a-z0-9-]+\.png$/.test(file)) {
        next();
        return;
      }
      res.sendFile(join(leaflet, 'images', file));
    });
  }
  if (deps.webDemoDir) {
    const config = { mapTiles: deps.demoConfig?.mapTiles ?? '' };
    app.get('/demo-config.json', (_req, res) => res.json(config));
  }
  if (deps.webDemoDir && existsSync(deps.webDemoDir)) {
    app.use(express.static(deps.webDemoDir, { index: 'index.html', dotfiles: 'deny', fallthrough: true }));
  }

  app.use(notFound);
  app.use(errorHandler);
  return { app, routes };
}
