// Building a response to a request (RFC 3261 §8.2.6) and choosing where it goes (§18.2.2 with
// RFC 3581). Pure; the transport and the server transactions both use it.
import { headerPairs, SipHeaders, type HeaderInit } from './header-list.js';
import { getTopVia, parseNameAddr } from './headers.js';
import { createResponse, toBodyBytes, type SipRequest, type SipResponse } from './message.js';
import type { SipRemote } from './remote.js';

const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  423: 'Interval Too Brief',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  489: 'Bad Event',
  491: 'Request Pending',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
};

/** The RFC 3261 §21 reason phrase for a status code; a class default for unlisted codes. */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? REASONS[Math.floor(status / 100) * 100] ?? 'Unknown';
}

export interface ResponseOptions {
  /** Extra headers, appended after the copied ones. */
  headers?: HeaderInit;
  /** A string is encoded as UTF-8; encode GB18030 bodies yourself and pass bytes. */
  body?: Uint8Array | string;
  /** Sets Content-Type when a body is given. */
  contentType?: string;
  /** Tag to put on To when the request's To has none and status > 100 (§8.2.6.2). */
  toTag?: string;
}

/**
 * §8.2.6.2: copy every Via (in order), From, To, Call-ID and CSeq from the request; add the To tag
 * for anything but 100. Headers missing from the request are simply not copied, so this also
 * answers malformed requests (400) as far as they allow.
 */
export function buildResponse(
  req: SipRequest,
  status: number,
  reason?: string,
  opts: ResponseOptions = {},
): SipResponse {
  const headers = new SipHeaders();
  for (const e of req.headers) {
    const name = e.name.toLowerCase();
    if (name === 'via' || name === 'v') {
      headers.append(e.name, e.value);
    }
  }
  const from = req.headers.get('from');
  if (from !== undefined) {
    headers.append('From', from);
  }
  const to = req.headers.get('to');
  if (to !== undefined) {
    headers.append('To', withToTag(to, status, opts.toTag));
  }
  const callId = req.headers.get('call-id');
  if (callId !== undefined) {
    headers.append('Call-ID', callId);
  }
  const cseq = req.headers.get('cseq');
  if (cseq !== undefined) {
    headers.append('CSeq', cseq);
  }
  for (const [name, value] of headerPairs(opts.headers)) {
    headers.append(name, value);
  }

  const body = toBodyBytes(opts.body);
  if (body.length > 0 && opts.contentType) {
    headers.set('Content-Type', opts.contentType);
  }
  return createResponse(status, reason ?? reasonPhrase(status), headers, body);
}

function withToTag(to: string, status: number, tag: string | undefined): string {
  if (status === 100 || tag === undefined) {
    return to;
  }
  const addr = parseNameAddr(to);
  if (!addr || addr.tag !== undefined) {
    return to;
  }
  return `${to};tag=${tag}`;
}

/**
 * Where a response to `req`, received from `remote`, is sent (§18.2.2, RFC 3581 §4):
 * over TCP, back on the same connection; over UDP, to Via `received` (else the source address)
 * and `rport` when filled, else the sent-by port, else 5060.
 */
export function responseDestination(req: SipRequest, remote: SipRemote): SipRemote {
  if (remote.transport === 'tcp') {
    return remote;
  }
  const via = getTopVia(req.headers);
  if (!via) {
    return remote;
  }
  const rport = via.rport;
  return {
    transport: 'udp',
    address: via.received ?? remote.address,
    port: typeof rport === 'number' ? rport : (via.port ?? 5060),
  };
}
