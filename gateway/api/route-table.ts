// The JSON API as data: each entry is registered on express AND described in /openapi.json,
// so the two cannot drift apart (a test walks express's router against the document). Inputs
// and the success body are zod schemas: requests are parsed with them, answers are checked
// against them under test (app.ts), and the document is generated from them (openapi.ts).
import type { z } from 'zod';
import type { ErrorCode } from '../errors.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteInput {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
  /** The request's Content-Type header (routes with a raw body read it). */
  contentType?: string;
  /** Aborted when the client goes away before the answer (long routes stop their work). */
  signal?: AbortSignal;
  /** The alternate media type the client asked for (one of the route's alternateTypes); undefined for JSON. */
  type?: string;
}

export interface ApiRoute {
  method: HttpMethod;
  /** Express path with `:name` parameters. */
  path: string;
  summary: string;
  auth: 'none' | 'bearer';
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** A non-JSON body of these media types, handed to the handler as bytes (a Buffer). */
  rawBody?: { types: string[]; limitBytes: number };
  /** Status on success (200 unless stated). */
  status?: number;
  /** The success body (responses.ts); its `.describe()` text, if any, describes the answer. */
  response: z.ZodType;
  /**
   * Errors the handler can answer beyond those its shape implies (openapi.ts errorStatuses:
   * 401, 400, 404, 413, 415, 429, 500): a device that is offline, times out or refuses.
   */
  errors?: ErrorCode[];
  /** The JSON body to send, or a promise of it. */
  handler(input: RouteInput): unknown;
  /**
   * Other JSON media types the route answers in when the client asks (Accept), e.g.
   * application/geo+json; the answer's Content-Type is the first of them the client accepts.
   */
  alternateTypes?: readonly string[];
}

export const defineRoute = (r: ApiRoute): ApiRoute => r;
