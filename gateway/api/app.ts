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
      const input = {
        params: parse(route.params, req.params, 'path') as Record<string, unknown>,
        query: parse(route.query, req.query, 'query') as Record<string, unknown>,
        body: parse(route.body, req.body, 'body'),
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
      res.status(route.status ?? 200).json(result);
    } catch (err) {
      next(err);
    }
  };
}

export function createApp(deps: AppDeps): GatewayApp {
  const startedAt = Date.now();
  const ttl = deps.mediaTokenTtlSec ?? 6 * 3600;
  const routes = buildRoutes({
    services: deps.services,
    ...(deps.cascade ? { cascade: deps.cascade } : {}),
    ...(deps.control ? { control: deps.control } : {}),
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
  }
  if (deps.webDemoDir && existsSync(deps.webDemoDir)) {
    app.use(express.static(deps.webDemoDir, { index: 'index.html', dotfiles: 'deny', fallthrough: true }));
  }

  app.use(notFound);
  app.use(errorHandler);
  return { app, routes };
}
