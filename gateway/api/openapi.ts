// /openapi.json (OpenAPI 3.1), generated from the same route table express serves, plus the
// media, metrics and demo routes that live outside the JSON API.
import { z } from 'zod';
import { ErrorCodes } from '../errors.js';
import type { ApiRoute } from './route-table.js';

type Schema = Record<string, unknown>;

const toSchema = (s: z.ZodType, io: 'input' | 'output' = 'input'): Schema => {
  const json = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Schema;
  delete json.$schema;
  return json;
};

const openApiPath = (expressPath: string): string => expressPath.replace(/:([A-Za-z]+)/g, '{$1}');

function parameters(route: ApiRoute): Schema[] {
  const out: Schema[] = [];
  const add = (where: 'path' | 'query', schema: z.ZodType | undefined) => {
    if (!schema) {
      return;
    }
    const json = toSchema(schema);
    const props = (json.properties ?? {}) as Record<string, Schema>;
    const required = new Set((json.required as string[] | undefined) ?? []);
    for (const [name, s] of Object.entries(props)) {
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: s });
    }
  };
  add('path', route.params);
  add('query', route.query);
  return out;
}

const errorResponse = {
  description: 'Error',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', enum: Object.keys(ErrorCodes) },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  },
};

/** Routes served by routers other than the JSON table (WHEP, HLS, metrics, the demo). */
export const extraOperations: {
  method: 'get' | 'post' | 'delete' | 'patch';
  path: string;
  summary: string;
  auth: 'none' | 'bearer' | 'media';
  contentType: string;
}[] = [
  {
    method: 'post',
    path: '/whep/:streamId',
    summary: 'WHEP (RFC 9725): SDP offer in, 201 with the SDP answer and a Location',
    auth: 'media',
    contentType: 'application/sdp',
  },
  {
    method: 'delete',
    path: '/whep/:streamId/:sessionId',
    summary: 'End a WHEP session',
    auth: 'media',
    contentType: 'application/json',
  },
  {
    method: 'post',
    path: '/whip/:talkId',
    summary: 'WHIP (RFC 9725) for a talk: a send-only audio offer in, 201 with the SDP answer and a Location',
    auth: 'media',
    contentType: 'application/sdp',
  },
  {
    method: 'delete',
    path: '/whip/:talkId/:sessionId',
    summary: 'End the WHIP session (the Location of the POST, with its token), and with it the talk',
    auth: 'media',
    contentType: 'application/json',
  },
  {
    method: 'get',
    path: '/hls/:streamId/index.m3u8',
    summary: 'HLS playlist (fMP4 segments and parts beside it)',
    auth: 'media',
    contentType: 'application/vnd.apple.mpegurl',
  },
  {
    method: 'get',
    path: '/hls/:streamId/:file',
    summary: 'HLS init segment, media segment or part',
    auth: 'media',
    contentType: 'video/mp4',
  },
  {
    method: 'get',
    path: '/api/events',
    summary:
      'Server-Sent Events (alarm, device, channel, position, stream): id/event/data lines, ?types= filter, Last-Event-ID replay; bearer or a signed ?token= from POST /api/events/token',
    auth: 'media',
    contentType: 'text/event-stream',
  },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', auth: 'none', contentType: 'text/plain' },
  {
    method: 'get',
    path: '/demo-config.json',
    summary: "The web demo's settings (map tile URL)",
    auth: 'none',
    contentType: 'application/json',
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    auth: 'none',
    contentType: 'application/json',
  },
  { method: 'get', path: '/', summary: 'The web demo', auth: 'none', contentType: 'text/html' },
];

export function buildOpenApi(routes: readonly ApiRoute[], version: string): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  const at = (p: string) => (paths[openApiPath(p)] ??= {});
  for (const route of routes) {
    const op: Schema = {
      summary: route.summary,
      operationId: `${route.method}${route.path.replace(/[^A-Za-z0-9]+/g, '_')}`,
      parameters: parameters(route),
      responses: {
        [String(route.status ?? 200)]: {
          description: route.response.description ?? route.summary,
          content: Object.fromEntries(
            ['application/json', ...(route.alternateTypes ?? [])].map((t) => [
              t,
              { schema: toSchema(route.response, 'output') },
            ]),
          ),
        },
        default: errorResponse,
      },
    };
    if (route.auth === 'bearer') {
      op.security = [{ bearer: [] }];
    } else {
      op.security = [];
    }
    if (route.body) {
      // A body schema that accepts no body at all (live's optional stream choice) is optional.
      const required = !route.body.safeParse(undefined).success;
      op.requestBody = { required, content: { 'application/json': { schema: toSchema(route.body) } } };
    } else if (route.rawBody) {
      const binary = { schema: { type: 'string', format: 'binary' } };
      op.requestBody = {
        required: true,
        content: Object.fromEntries(route.rawBody.types.map((type) => [type, binary])),
      };
    }
    at(route.path)[route.method] = op;
  }
  for (const extra of extraOperations) {
    const params: Schema[] = [...extra.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (extra.auth === 'media') {
      params.push({ name: 'token', in: 'query', required: false, schema: { type: 'string' } });
    }
    at(extra.path)[extra.method] = {
      summary: extra.summary,
      operationId: `${extra.method}${extra.path.replace(/[^A-Za-z0-9]+/g, '_')}`,
      parameters: params,
      security: extra.auth === 'none' ? [] : [{ bearer: [] }, { mediaToken: [] }],
      responses: {
        '200': { description: 'OK', content: { [extra.contentType]: { schema: {} } } },
        default: errorResponse,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'GB28181 gateway',
      version,
      description: 'GB/T 28181 upper platform: devices, live and recorded video to browsers.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        mediaToken: { type: 'apiKey', in: 'query', name: 'token' },
      },
    },
    paths,
  };
}
