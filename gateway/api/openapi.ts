// /openapi.json (OpenAPI 3.1), generated from the same route table express serves, plus the
// media, metrics and demo routes that live outside the JSON API. It describes what the gateway
// really answers: each JSON route's success body (responses.ts) and the errors it can give,
// each error response restricted to the GW_ERR_* codes of its status (errors.ts); WHEP as the
// IETF draft has it (draft-ietf-wish-whep: SDP offer in, 201 with the answer, Location and
// ETag); HLS playlists and fMP4 files. A test validates live answers of every route against it
// with ajv (test/integration/openapi-live.test.ts) and redocly lints it with no finding.
import { z } from 'zod';
import { ErrorCodes, type ErrorCode } from '../errors.js';
import type { ApiRoute } from './route-table.js';

type Schema = Record<string, unknown>;

const toSchema = (s: z.ZodType, io: 'input' | 'output' = 'input'): Schema => {
  const json = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Schema;
  delete json.$schema;
  return json;
};

const openApiPath = (expressPath: string): string => expressPath.replace(/:([A-Za-z]+)/g, '{$1}');
const operationId = (method: string, path: string): string =>
  `${method}${path.replace(/[^A-Za-z0-9]+/g, '_')}`;

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

/** Every status the gateway answers errors with, named for components.responses. */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  500: 'InternalError',
  501: 'NotImplemented',
  502: 'BadGateway',
  503: 'Unavailable',
  504: 'GatewayTimeout',
};

const codesWithStatus = (status: number): ErrorCode[] =>
  (Object.keys(ErrorCodes) as ErrorCode[]).filter((c) => ErrorCodes[c].status === status);

/** The error responses that `paths` refer to, as components (no unused ones). */
function errorComponents(paths: unknown): { schemas: Schema; responses: Schema } {
  const text = JSON.stringify(paths);
  const used = Object.keys(STATUS_NAMES)
    .map(Number)
    .filter((status) => text.includes(`"#/components/responses/${STATUS_NAMES[status]}"`));
  const responses: Schema = {};
  for (const status of used) {
    const name = STATUS_NAMES[status];
    responses[name] = {
      description: codesWithStatus(status)
        .map((c) => `${c}: ${ErrorCodes[c].message}`)
        .join(' '),
      content: {
        'application/json': {
          schema: {
            allOf: [
              { $ref: '#/components/schemas/Error' },
              {
                type: 'object',
                properties: {
                  error: { type: 'object', properties: { code: { enum: codesWithStatus(status) } } },
                },
              },
            ],
          },
        },
      },
    };
  }
  return {
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', enum: Object.keys(ErrorCodes), description: 'docs/errors.md' },
              message: { type: 'string', description: 'What went wrong and what would work, in plain words' },
            },
          },
        },
      },
    },
    responses,
  };
}

function errorRef(status: number): Schema {
  const name = STATUS_NAMES[status];
  if (!name) {
    throw new Error(`no response name for status ${status}: add it to STATUS_NAMES`);
  }
  return { $ref: `#/components/responses/${name}` };
}

/**
 * The errors a JSON route can answer: 403 (an origin not listed, cors.ts), 429 (rate limit) and
 * 500 anywhere; 401 behind the bearer token; 400 when it takes input; 413 and 415 when it takes
 * a body (JSON or raw); 404 when its path names a device, channel or stream; and what the route declares.
 */
function errorStatuses(route: ApiRoute): number[] {
  const s = new Set<number>([403, 429, 500]);
  if (route.auth === 'bearer') {
    s.add(401);
  }
  if (route.params || route.query || route.body) {
    s.add(400);
  }
  if (route.body || route.rawBody) {
    s.add(413);
    s.add(415);
  }
  if (route.params) {
    s.add(404);
  }
  for (const code of route.errors ?? []) {
    s.add(ErrorCodes[code].status);
  }
  return [...s].sort((a, b) => a - b);
}

const mediaTokenParam: Schema = {
  name: 'token',
  in: 'query',
  required: false,
  description: 'The signed media token of the URL that live or playback returned (docs/api.md §5)',
  schema: { type: 'string' },
};

const pathParam = (name: string, description: string): Schema => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});

const streamIdParam = pathParam('streamId', 'The stream ID that live or playback returned');
const talkIdParam = pathParam('talkId', 'The talk ID that POST …/talk returned');
const mediaSecurity = [{ bearer: [] }, { mediaToken: [] }];

/** WHEP (draft-ietf-wish-whep) and HLS, described in full. */
function extraPaths(): Record<string, Record<string, Schema>> {
  const sdp = { 'application/sdp': { schema: { type: 'string' } } };
  const whepErrors = (...statuses: number[]): Schema =>
    Object.fromEntries(statuses.map((s) => [String(s), errorRef(s)]));
  /** A WHEP or WHIP POST's 201: the SDP answer, the session's Location and its ETag. */
  const sdpAnswerCreated = (location: 'WhepLocation' | 'WhipLocation'): Schema => ({
    description: 'The SDP answer',
    headers: {
      Location: { $ref: `#/components/headers/${location}` },
      ETag: { $ref: '#/components/headers/WhepETag' },
    },
    content: sdp,
  });
  /** DELETE on a WHEP or WHIP session's Location. */
  const sessionDelete = (operationId: string, summary: string, resourceParam: Schema): Schema => ({
    operationId,
    summary,
    tags: ['media'],
    parameters: [resourceParam, pathParam('sessionId', 'From the Location'), mediaTokenParam],
    security: mediaSecurity,
    responses: { '200': { description: 'The session ended' }, ...whepErrors(401, 403, 404, 429, 500) },
  });
  /** OPTIONS on a WHEP or WHIP endpoint: what it accepts, answered without a token. */
  const sdpEndpointOptions = (operationId: string, summary: string, param: Schema): Schema => ({
    operationId,
    summary,
    tags: ['media'],
    parameters: [param],
    security: [],
    responses: {
      '204': {
        description: 'Allow and Accept-Post',
        headers: {
          Allow: { schema: { type: 'string' }, description: 'OPTIONS, POST' },
          'Accept-Post': { schema: { type: 'string' }, description: 'application/sdp' },
        },
      },
      ...whepErrors(403),
    },
  });
  return {
    '/whep/{streamId}': {
      post: {
        operationId: 'post_whep_streamId',
        summary:
          'WHEP (draft-ietf-wish-whep): an SDP offer in, 201 with the SDP answer and the session Location',
        description:
          "Non-trickle: the answer carries the gateway's one ICE candidate (ICE-lite). A live URL whose stream idles is started again (INVITE) first.",
        tags: ['media'],
        parameters: [streamIdParam, mediaTokenParam],
        security: mediaSecurity,
        requestBody: { required: true, content: sdp },
        responses: {
          '201': sdpAnswerCreated('WhepLocation'),
          ...whepErrors(400, 401, 403, 404, 406, 409, 413, 415, 429, 500, 502, 503),
        },
      },
      options: sdpEndpointOptions('options_whep_streamId', 'What the WHEP endpoint accepts', streamIdParam),
    },
    '/whep/{streamId}/{sessionId}': {
      delete: sessionDelete(
        'delete_whep_streamId_sessionId',
        'End a WHEP session: DELETE to exactly the Location the POST returned',
        streamIdParam,
      ),
      // No PATCH: trickle ICE and ICE restarts are not offered (no a=ice-options:trickle in the
      // answer), and a PATCH answers 405 as any method a resource does not have.
    },
    '/whip/{talkId}': {
      post: {
        operationId: 'post_whip_talkId',
        summary:
          'WHIP (RFC 9725) for a talk: a send-only audio offer in, 201 with the SDP answer and the session Location',
        tags: ['media'],
        parameters: [talkIdParam, mediaTokenParam],
        security: mediaSecurity,
        requestBody: { required: true, content: sdp },
        responses: {
          '201': sdpAnswerCreated('WhipLocation'),
          ...whepErrors(400, 401, 403, 404, 415, 429, 500),
        },
      },
      options: sdpEndpointOptions('options_whip_talkId', 'What the WHIP endpoint accepts', talkIdParam),
    },
    '/whip/{talkId}/{sessionId}': {
      delete: sessionDelete(
        'delete_whip_talkId_sessionId',
        'End the WHIP session (exactly the Location of the POST), and with it the talk',
        talkIdParam,
      ),
      // No PATCH, as for WHEP: trickle ICE and ICE restarts are not offered (405).
    },
    '/hls/{streamId}/{file}': {
      get: {
        operationId: 'get_hls_streamId_file',
        summary:
          'HLS: index.m3u8 (multivariant), the media playlists and the CMAF init, segment and part files they list',
        description:
          'LL-HLS: a media playlist request with _HLS_msn (and _HLS_part) blocks until that segment (part) exists; one too far ahead answers 400 at once.',
        tags: ['media'],
        parameters: [
          streamIdParam,
          pathParam('file', 'index.m3u8, media.m3u8, a-media.m3u8, avc-media.m3u8, or a name they list'),
          mediaTokenParam,
          { name: '_HLS_msn', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } },
          { name: '_HLS_part', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } },
        ],
        security: mediaSecurity,
        responses: {
          '200': {
            description: 'A playlist or an fMP4 file',
            content: {
              'application/vnd.apple.mpegurl': { schema: { type: 'string' } },
              'video/mp4': { schema: { type: 'string', contentMediaType: 'video/mp4' } },
            },
          },
          ...whepErrors(400, 401, 403, 404, 409, 429, 500, 502),
        },
      },
    },
  };
}

/**
 * Non-JSON routes with a plain answer (SSE, files, WHIP-style endpoints added by other
 * domains, metrics, this document, the demo): one success response of `contentType` and the
 * errors their auth and path imply (see genericErrors).
 */
export const extraOperations: {
  method: 'get' | 'post' | 'delete' | 'patch' | 'put';
  path: string;
  summary: string;
  auth: 'none' | 'bearer' | 'media';
  contentType: string;
  /** Success status. Default 200. */
  status?: number;
  /** Errors beyond the implied ones. */
  errors?: ErrorCode[];
  /** The success body's schema, when it has one. */
  schema?: Schema;
}[] = [
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (text exposition format 0.0.4)',
    auth: 'none',
    contentType: 'text/plain',
  },
  {
    method: 'get',
    path: '/api/events',
    summary:
      'Server-Sent Events (alarm, device, channel, position, stream): id/event/data lines, ?types= filter, Last-Event-ID replay; bearer or a signed ?token= from POST /api/events/token',
    auth: 'media',
    contentType: 'text/event-stream',
    errors: ['GW_ERR_BAD_REQUEST'],
  },
  {
    method: 'get',
    path: '/demo-config.json',
    summary: "The web demo's settings (map tile URL)",
    auth: 'none',
    contentType: 'application/json',
    schema: {
      type: 'object',
      required: ['mapTiles'],
      properties: { mapTiles: { type: 'string', description: 'Tile URL template; empty for no map' } },
    },
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    auth: 'none',
    contentType: 'application/json',
  },
  { method: 'get', path: '/', summary: 'The web demo', auth: 'none', contentType: 'text/html' },
  {
    method: 'get',
    path: '/api/devices/:deviceId/channels/:channelId/snapshot',
    summary: "JPEG of the channel's newest keyframe (starts the live stream if needed; cached for a second)",
    auth: 'media',
    contentType: 'image/jpeg',
    errors: [
      'GW_ERR_BAD_REQUEST',
      'GW_ERR_CHANNEL_NOT_FOUND',
      'GW_ERR_FFMPEG_MISSING',
      'GW_ERR_SNAPSHOT_FAILED',
      'GW_ERR_RECORDING_UNAVAILABLE',
    ],
  },
  {
    method: 'get',
    path: '/api/devices/:deviceId/channels/:channelId/cloud/index.m3u8',
    summary:
      'HLS VOD playlist of the cloud recordings in ?start=&end= (EXT-X-BYTERANGE over the stored files): ' +
      'multivariant by default (video-only variant, FLAC audio rendition); ?view=video|audio|file a media playlist',
    auth: 'media',
    contentType: 'application/vnd.apple.mpegurl',
    errors: ['GW_ERR_BAD_REQUEST', 'GW_ERR_RECORDING_UNAVAILABLE'],
  },
  {
    method: 'get',
    path: '/api/devices/:deviceId/channels/:channelId/cloud/export',
    summary: 'One MP4 of the cloud recordings in ?start=&end=, streamed as assembled, no re-encoding',
    auth: 'media',
    contentType: 'video/mp4',
    errors: ['GW_ERR_BAD_REQUEST', 'GW_ERR_RECORDING_UNAVAILABLE'],
  },
  {
    method: 'get',
    path: '/api/recordings/:recordingId/video',
    summary:
      'Video-only view of a byte range (the header or one fragment) of a recording file, for MSE players',
    auth: 'media',
    contentType: 'video/mp4',
    errors: ['GW_ERR_BAD_REQUEST', 'GW_ERR_RECORDING_NOT_FOUND', 'GW_ERR_RECORDING_UNAVAILABLE'],
  },
  {
    method: 'get',
    path: '/api/recordings/:recordingId/audio',
    summary:
      'Audio-only view of a byte range (the header or one fragment) of a recording file, its G.711 as FLAC, for MSE players',
    auth: 'media',
    contentType: 'audio/mp4',
    errors: ['GW_ERR_BAD_REQUEST', 'GW_ERR_RECORDING_NOT_FOUND', 'GW_ERR_RECORDING_UNAVAILABLE'],
  },
  {
    method: 'get',
    path: '/api/downloads/:downloadId/file',
    summary: "A finished device-record download's MP4 (HTTP Range); bearer or a URL signed for the download",
    auth: 'media',
    contentType: 'video/mp4',
    errors: ['GW_ERR_DOWNLOAD_NOT_FOUND'],
  },
  {
    method: 'get',
    path: '/api/recordings/:recordingId/file',
    summary: 'A cloud recording file (fragmented MP4, HTTP Range); bearer or a URL signed for the recording',
    auth: 'media',
    contentType: 'video/mp4',
    errors: ['GW_ERR_RECORDING_NOT_FOUND', 'GW_ERR_RECORDING_UNAVAILABLE'],
  },
];

function genericErrors(op: (typeof extraOperations)[number]): number[] {
  const s = new Set<number>([403]);
  if (op.auth !== 'none') {
    s.add(401);
    s.add(429);
  }
  if (op.path.includes(':')) {
    s.add(404);
  }
  for (const code of op.errors ?? []) {
    s.add(ErrorCodes[code].status);
  }
  return [...s].sort((a, b) => a - b);
}

function extraOperation(op: (typeof extraOperations)[number]): Schema {
  const params: Schema[] = [...op.path.matchAll(/:([A-Za-z]+)/g)].map((m) => pathParam(m[1], m[1]));
  if (op.auth === 'media') {
    params.push(mediaTokenParam);
  }
  return {
    operationId: operationId(op.method, op.path),
    summary: op.summary,
    tags: [op.path.startsWith('/api/') ? tagOf(op.path) : 'operations'],
    parameters: params,
    security: op.auth === 'none' ? [] : op.auth === 'bearer' ? [{ bearer: [] }] : mediaSecurity,
    responses: {
      [String(op.status ?? 200)]: {
        description: op.summary,
        content: {
          [op.contentType]: {
            schema:
              op.schema ?? (op.contentType === 'application/json' ? { type: 'object' } : { type: 'string' }),
          },
        },
      },
      ...Object.fromEntries(genericErrors(op).map((st) => [String(st), errorRef(st)])),
    },
  };
}

/** The first path segment after /api names the tag (devices, streams, upper-platforms, ...). */
const tagOf = (path: string): string => path.split('/')[2] ?? 'api';

export function buildOpenApi(routes: readonly ApiRoute[], version: string, license?: string): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  const tags = new Set<string>();
  for (const route of routes) {
    const tag = tagOf(route.path);
    tags.add(tag);
    const op: Schema = {
      summary: route.summary,
      operationId: operationId(route.method, route.path),
      tags: [tag],
      parameters: parameters(route),
      security: route.auth === 'bearer' ? [{ bearer: [] }] : [],
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
        ...Object.fromEntries(errorStatuses(route).map((s) => [String(s), errorRef(s)])),
      },
    };
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
    (paths[openApiPath(route.path)] ??= {})[route.method] = op;
  }
  Object.assign(paths, extraPaths());
  for (const op of extraOperations) {
    (paths[openApiPath(op.path)] ??= {})[op.method] = extraOperation(op);
  }
  const errors = errorComponents(paths);
  return {
    openapi: '3.1.0',
    info: {
      title: 'GB28181 gateway',
      version,
      description:
        'GB/T 28181 upper platform: devices, live and recorded video to browsers over WHEP and LL-HLS.',
      // package.json is private and names no license: say so rather than invent one
      license: license
        ? { name: license, identifier: license }
        : { name: 'UNLICENSED (private; no license granted)' },
    },
    servers: [{ url: '/', description: 'This gateway (the origin that served this document)' }],
    tags: [
      ...[...tags].map((name) => ({ name, description: `/api/${name}` })),
      { name: 'media', description: 'WHEP and HLS: signed media URLs or the API token' },
      { name: 'operations', description: 'Metrics, this document, the web demo' },
    ],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The API token (--api-token)' },
        mediaToken: { type: 'apiKey', in: 'query', name: 'token', description: 'A signed media token' },
      },
      headers: {
        WhepLocation: {
          description: 'The WHEP session resource; DELETE it to end the session (it carries the media token)',
          schema: { type: 'string' },
        },
        WhipLocation: {
          description: 'The WHIP session resource; DELETE it to end the talk (it carries the media token)',
          schema: { type: 'string' },
        },
        WhepETag: { description: 'The session entity tag (for If-Match)', schema: { type: 'string' } },
      },
      ...errors,
    },
    paths,
  };
}
