// createApp(deps) → express app, with no listen() so tests can listen(0) and fetch.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../errors.js';
import { requireApiToken, requireMediaToken } from './auth.js';
import { cors } from './cors.js';
import { errorHandler, notFound } from './error-handler.js';
import { MediaAccess } from './media-access.js';
import { SessionKeeper, startOnDemand, type KeptSessions, type OnDemandStart } from './media-guard.js';
import type { MediaTokenSigner } from './media-token.js';
import { inputError } from './input-errors.js';
import { buildOpenApi } from './openapi.js';
import { rateLimit, type RateLimiter } from './rate-limit.js';
import { clientAddressResolver, type ClientAddressOf } from './client-address.js';
import { AddressList } from '../address-match.js';
import { DEFAULT_RATE_BUDGETS, RATE_BUDGETS, type RateBudget, type RateBudgetName } from '../limits.js';
import type { LimitsView } from '../views/limits.js';
import type { ApiRoute } from './route-table.js';
import { buildRoutes } from './routes.js';
import { addRecordingMediaRoutes } from './routes/recording-media.js';
import type { CascadeServices } from '../views/cascade-services.js';
import type { ControlServices } from '../views/control.js';
import type { DeviceEventControl, EventsObserver, EventsServices } from '../views/events.js';
import type { Logger } from '../log.js';
import { createLogger } from '../log.js';
import { eventStream, EVENTS_TOKEN_RESOURCE } from './sse.js';
import type { GatewayServices } from '../views/services.js';
import type { VoiceServices } from '../views/voice.js';
import type { DownloadServices, RecordingServices, SnapshotServices } from '../views/recording.js';

export interface AppDeps {
  services: GatewayServices;
  /** The gateway's own upper platforms (/api/upper-platforms). */
  cascade?: CascadeServices;
  /** Device control and management (routes/control.ts). */
  control?: ControlServices;
  apiToken: string;
  signer: MediaTokenSigner;
  /** Sliding expiry and revocation of signed media URLs; default: over `signer`, in memory. */
  access?: MediaAccess;
  /** Origins whose pages may call the gateway (--cors-origins); same-origin pages always may. */
  corsOrigins?: readonly string[];
  /** Starts a channel's idle live stream when one of its signed URLs is used. */
  onDemand?: OnDemandStart;
  /** The live WHEP sessions: their tokens stay in use; revoked ones end. */
  whepSessions?: KeptSessions;
  version: string;
  /** Absolute base URL of the node serving a stream (--role signaling); default relative URLs. */
  mediaBase?(streamId: string): string | undefined;
  /** Lifetime of the signed media URLs that live/playback return. */
  mediaTokenTtlSec?: number;
  whep?: Router;
  hls?: Router;
  /** Voice broadcast and talk (/api/talks, …/talk, …/broadcast). */
  voice?: VoiceServices;
  /** Cloud recording (recording plans, /api/recordings and their files). */
  recording?: RecordingServices;
  /** Device-record downloads. */
  downloads?: DownloadServices;
  /** JPEG snapshots (…/snapshot). */
  snapshots?: SnapshotServices;
  /** The WHIP endpoint of talks (/whip/:talkId, gateway/talk/whip/whip-router.ts). */
  whip?: Router;
  metrics?: { contentType: string; render(): Promise<string> };
  /** Directory of the web demo; served at / when present. */
  webDemoDir?: string;
  /** Directory of node_modules, for hls.js in the demo. */
  nodeModulesDir?: string;
  /** Request budgets per client address; defaults DEFAULT_RATE_BUDGETS (limits.ts). */
  rates?: Partial<Record<RateBudgetName, RateBudget>>;
  /** Who the client is (shared with the connection guard and viewer counts); default: the socket's peer. */
  clientOf?: ClientAddressOf;
  /** A request refused by a budget (metrics). */
  onRateLimited?: (budget: RateBudgetName, client: string) => void;
  /** GET /api/limits; absent → GW_ERR_NOT_FOUND. */
  limits?: () => LimitsView;
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
  /** Stops the app's timers (the WHEP session keeper). */
  stop: () => void;
  /** The limiter of each budget, for the limits report. */
  rates: Record<RateBudgetName, RateLimiter>;
}

/** A request that carries a body (RFC 9112 §6.3: a length, or a transfer coding). */
const hasBody = (req: Request): boolean =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

function validated(route: ApiRoute, checkResponse: boolean) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const parse = (schema: ApiRoute['params'], value: unknown, where: string) => {
        if (!schema) {
          return value;
        }
        const r = schema.safeParse(value ?? {});
        if (!r.success) {
          throw new GatewayError('GW_ERR_BAD_REQUEST', inputError(where, r.error.issues));
        }
        return r.data;
      };
      if (route.body && hasBody(req) && !req.is('application/json')) {
        throw new GatewayError(
          'GW_ERR_UNSUPPORTED_MEDIA_TYPE',
          `the body must be JSON sent with Content-Type: application/json (got ${req.headers['content-type'] ?? 'none'})`,
        );
      }
      const aborted = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) {
          aborted.abort();
        }
      });
      const alternate = route.alternateTypes?.find((t) => req.accepts(['application/json', t]) === t);
      const input = {
        params: parse(route.params, req.params, 'path') as Record<string, unknown>,
        query: parse(route.query, req.query, 'query') as Record<string, unknown>,
        body: parse(route.body, req.body, 'body'),
        ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
        signal: aborted.signal,
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
  const access = deps.access ?? new MediaAccess(deps.signer);
  const keeper = deps.whepSessions ? new SessionKeeper(access, deps.whepSessions) : undefined;
  const eventsTokenTtlSec = 12 * 3600;
  const signMedia = (subject: string) => encodeURIComponent(access.sign(subject, ttl));
  const routes = buildRoutes({
    services: deps.services,
    ...(deps.cascade ? { cascade: deps.cascade } : {}),
    ...(deps.control ? { control: deps.control } : {}),
    ...(deps.voice ? { voice: deps.voice } : {}),
    ...(deps.recording ? { recording: deps.recording } : {}),
    ...(deps.downloads ? { downloads: deps.downloads } : {}),
    // A talk's token is signed for `talk:<talkId>`, so it opens neither a stream nor another talk.
    talkUrl: (talkId) => `/whip/${talkId}?token=${encodeURIComponent(access.sign(`talk:${talkId}`, ttl))}`,
    ...(deps.events ? { events: deps.events } : {}),
    ...(deps.deviceEvents ? { deviceEvents: deps.deviceEvents } : {}),
    eventsToken: () => ({
      token: deps.signer.sign(EVENTS_TOKEN_RESOURCE, eventsTokenTtlSec),
      expiresAt: new Date(Date.now() + eventsTokenTtlSec * 1000).toISOString(),
    }),
    version: deps.version,
    startedAt,
    ...(deps.limits ? { limits: deps.limits } : {}),
    signMedia,
    mediaUrls: (streamId) => {
      const token = encodeURIComponent(access.sign(streamId, ttl));
      const base = deps.mediaBase?.(streamId) ?? '';
      return {
        whep: `${base}/whep/${streamId}?token=${token}`,
        hls: `${base}/hls/${streamId}/index.m3u8?token=${token}`,
      };
    },
    revokeMediaUrls: (channel) => {
      const revokedAt = access.revoke(channel);
      return { revokedAt, sessionsEnded: keeper?.sweep() ?? 0 };
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
  app.use(cors(deps.corsOrigins ?? []));

  const apiAuth = requireApiToken(deps.apiToken);
  const mediaAuth = requireMediaToken(deps.apiToken, access);
  const mediaGuard = deps.onDemand ? [mediaAuth, startOnDemand(deps.onDemand)] : [mediaAuth];
  // One budget per kind of traffic (issue #20 point 8): each route family below names its own.
  const clientOf = deps.clientOf ?? clientAddressResolver(new AddressList([]));
  const rates = Object.fromEntries(
    RATE_BUDGETS.map((name) => [
      name,
      rateLimit({
        name,
        budget: deps.rates?.[name] ?? DEFAULT_RATE_BUDGETS[name],
        clientOf,
        ...(deps.onRateLimited ? { onLimited: deps.onRateLimited } : {}),
      }),
    ]),
  ) as Record<RateBudgetName, RateLimiter>;

  app.use('/api', rates.api);
  if (deps.events) {
    const sse = deps.eventStream ?? {};
    app.get(
      '/api/events',
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

  // Recording files, cloud playlists and exports, downloads, snapshots (routes/recording-media.ts):
  // under the /api budget above, each behind its media-token guard, before the JSON routes.
  addRecordingMediaRoutes(app, {
    services: deps.services,
    apiToken: deps.apiToken,
    access,
    signMedia,
    ...(deps.recording ? { recording: deps.recording } : {}),
    ...(deps.downloads ? { downloads: deps.downloads } : {}),
    ...(deps.snapshots ? { snapshots: deps.snapshots } : {}),
  });

  const api = express.Router();
  api.use(express.json({ limit: '16kb' }));
  const checkResponses = deps.checkResponses ?? process.env.NODE_ENV === 'test';
  for (const route of routes) {
    const handler = validated(route, checkResponses);
    // A raw body is read only after the token is checked, so strangers cannot make us buffer it.
    const raw = route.rawBody
      ? [express.raw({ type: route.rawBody.types, limit: route.rawBody.limitBytes })]
      : [];
    const handlers = route.auth === 'bearer' ? [apiAuth, ...raw, handler] : [...raw, handler];
    api[route.method](route.path, ...handlers);
  }
  app.use(api);
  app.use('/api', notFound);

  app.get('/openapi.json', rates.api, (_req, res) => {
    res.json(openapi);
  });
  if (deps.metrics) {
    const metrics = deps.metrics;
    app.get('/metrics', rates.api, (_req, res, next) => {
      metrics.render().then((text) => res.type(metrics.contentType).send(text), next);
    });
  }
  if (deps.whep) {
    app.use('/whep/:streamId', rates.media, ...mediaGuard);
    app.use(deps.whep);
  }
  if (deps.whip) {
    app.use(
      '/whip/:talkId',
      rates.media,
      requireMediaToken(deps.apiToken, access, (req) => `talk:${String(req.params.talkId)}`),
    );
    app.use(deps.whip);
  }
  if (deps.hls) {
    app.use('/hls/:streamId', rates.media, ...mediaGuard);
    app.use('/hls', deps.hls);
  }
  if (deps.nodeModulesDir) {
    const hlsJs = join(deps.nodeModulesDir, 'hls.js', 'dist', 'hls.min.js');
    app.use('/vendor', rates.static);
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
    app.get('/demo-config.json', rates.static, (_req, res) => res.json(config));
  }
  if (deps.webDemoDir && existsSync(deps.webDemoDir)) {
    app.use(
      rates.static,
      express.static(deps.webDemoDir, { index: 'index.html', dotfiles: 'deny', fallthrough: true }),
    );
  }

  app.use(notFound);
  app.use(errorHandler);
  return { app, routes, rates, stop: () => keeper?.stop() };
}
