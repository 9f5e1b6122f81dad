// SIP message model, parser and serializer (RFC 3261 §7, §25). Pure: bytes in, objects out, no
// sockets, timers or logging. Never throws on input bytes; failures come back as a stable code.
import { Buffer } from 'node:buffer';
import { SipErrorCode } from './errors.js';
import { canonicalHeaderName, SipHeaders, type SipHeaderEntry } from './header-list.js';
import { getTopVia, parseCSeq, parseNameAddr } from './headers.js';

export interface SipRequest {
  readonly kind: 'request';
  method: string;
  uri: string;
  headers: SipHeaders;
  body: Uint8Array;
}

export interface SipResponse {
  readonly kind: 'response';
  status: number;
  reason: string;
  headers: SipHeaders;
  body: Uint8Array;
}

export type SipMessage = SipRequest | SipResponse;

export type SipParseResult =
  | { ok: true; message: SipMessage }
  | {
      ok: false;
      error: SipErrorCode;
      /** Human-readable detail for the log line and a 400's Warning header. */
      detail: string;
      /**
       * What could be read when the start line and header lines were well formed but the message
       * is not (missing headers, bad Content-Length, truncated body): enough to answer 400/513.
       */
      partial?: SipMessage;
    };

const CR = 0x0d;
const LF = 0x0a;
const TOKEN = "A-Za-z0-9.!%*_+`'~-";
const REQUEST_LINE = new RegExp(`^([${TOKEN}]+) (\\S+) SIP/2\\.0$`, 'i');
const STATUS_LINE = /^SIP\/2\.0 ([1-6]\d\d)(?: (.*))?$/i;
const HEADER_LINE = new RegExp(`^([${TOKEN}]+)([ \\t]*:[ \\t]*)(.*)$`);
const MANDATORY = ['Via', 'From', 'To', 'Call-ID', 'CSeq'] as const;
/** What `.` in HEADER_LINE does not match: a value never contains these. */
const LINE_BREAKS = /[\r\u2028\u2029]/;

export function createRequest(
  method: string,
  uri: string,
  headers = new SipHeaders(),
  body: Uint8Array = new Uint8Array(0),
): SipRequest {
  return { kind: 'request', method, uri, headers, body };
}

export function createResponse(
  status: number,
  reason: string,
  headers = new SipHeaders(),
  body: Uint8Array = new Uint8Array(0),
): SipResponse {
  return { kind: 'response', status, reason, headers, body };
}

/** A body given as text is UTF-8 encoded; encode GB18030 bodies yourself and pass bytes. */
export function toBodyBytes(body: Uint8Array | string | undefined): Uint8Array {
  if (body === undefined) {
    return new Uint8Array(0);
  }
  return typeof body === 'string' ? new Uint8Array(Buffer.from(body, 'utf8')) : body;
}

/**
 * Find the empty line ending the header section: CRLFCRLF, or LFLF from lenient senders.
 * Returns [index of the terminator, its length] or undefined.
 */
export function findHeaderEnd(bytes: Uint8Array, from = 0): [number, number] | undefined {
  for (let i = from; i + 1 < bytes.length; i++) {
    if (bytes[i] !== LF) {
      continue;
    }
    let after: number; // index just past the empty line
    if (bytes[i + 1] === LF) {
      after = i + 2;
    } else if (bytes[i + 1] === CR && i + 2 < bytes.length && bytes[i + 2] === LF) {
      after = i + 3;
    } else {
      continue;
    }
    const terminator = i > 0 && bytes[i - 1] === CR ? i - 1 : i;
    return [terminator, after - terminator];
  }
  return undefined;
}

export function parseSipMessage(bytes: Uint8Array): SipParseResult {
  // §7.5: CRLFs before the start line are ignored.
  let start = 0;
  while (start < bytes.length && (bytes[start] === CR || bytes[start] === LF)) {
    start++;
  }
  if (start >= bytes.length) {
    return fail(SipErrorCode.EMPTY, 'empty message');
  }

  const end = findHeaderEnd(bytes, start);
  const headEnd = end ? end[0] : bytes.length;
  const head = Buffer.from(bytes.buffer, bytes.byteOffset + start, headEnd - start).toString('utf8');
  // A truncated head may end between CR and LF; the CR is not part of any value.
  const lines = (end ? head : head.replace(/\r$/, '')).split(/\r?\n/);

  const startLine = lines[0];
  const req = REQUEST_LINE.exec(startLine);
  const res = req ? null : STATUS_LINE.exec(startLine);
  if (!req && !res) {
    return fail(SipErrorCode.START_LINE, `bad start line: ${startLine.slice(0, 80)}`);
  }

  const entries: SipHeaderEntry[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === '' && i === lines.length - 1) {
      break;
    } // a lone trailing CR/LF of a truncated head
    if (line.startsWith(' ') || line.startsWith('\t')) {
      // §7.3.1 line folding: a continuation joins the previous value with a single space.
      const prev = entries[entries.length - 1];
      if (!prev) {
        return fail(SipErrorCode.HEADER_SYNTAX, 'continuation line before any header');
      }
      // The same characters as HEADER_LINE's value: a bare CR folded into a value would be
      // echoed into our responses as a line break (found by test/fuzz/sip-message).
      if (LINE_BREAKS.test(line)) {
        return fail(SipErrorCode.HEADER_SYNTAX, 'line break inside a folded header');
      }
      prev.value = `${prev.value} ${line.trim()}`.trim();
      continue;
    }
    const m = HEADER_LINE.exec(line);
    if (!m) {
      return fail(SipErrorCode.HEADER_SYNTAX, `bad header line: ${line.slice(0, 80)}`);
    }
    const entry: SipHeaderEntry = { name: m[1], value: m[3].trimEnd() };
    if (m[2] !== ': ') {
      entry.separator = m[2];
    }
    entries.push(entry);
  }

  const headers = SipHeaders.fromEntries(entries);
  const empty = new Uint8Array(0);
  const partial: SipMessage = req
    ? createRequest(req[1], req[2], headers, empty)
    : createResponse(Number(res![1]), res![2] ?? '', headers, empty);

  if (!end) {
    return fail(SipErrorCode.NO_HEADER_END, 'no empty line after the headers', partial);
  }

  const bodyStart = end[0] + end[1];
  const available = bytes.length - bodyStart;
  const declared = readContentLength(headers);
  if (declared === 'invalid') {
    return fail(SipErrorCode.CONTENT_LENGTH_INVALID, 'bad Content-Length', partial);
  }
  if (declared !== undefined && declared > available) {
    return fail(
      SipErrorCode.BODY_TRUNCATED,
      `Content-Length ${declared} but ${available} body bytes`,
      partial,
    );
  }
  // §18.3: bytes beyond Content-Length in a datagram are discarded.
  partial.body = bytes.slice(bodyStart, bodyStart + (declared ?? available));

  for (const name of MANDATORY) {
    if (!headers.has(name)) {
      return fail(SipErrorCode.MISSING_HEADER, `missing ${name}`, partial);
    }
  }
  if (!getTopVia(headers)) {
    return fail(SipErrorCode.BAD_VIA, 'top Via does not parse', partial);
  }
  const cseq = parseCSeq(headers.get('cseq')!);
  if (!cseq) {
    return fail(SipErrorCode.BAD_CSEQ, 'CSeq does not parse', partial);
  }
  if (partial.kind === 'request' && cseq.method !== partial.method) {
    return fail(
      SipErrorCode.CSEQ_METHOD_MISMATCH,
      `CSeq method ${cseq.method} in a ${partial.method}`,
      partial,
    );
  }
  for (const name of ['From', 'To']) {
    if (!parseNameAddr(headers.get(name)!)) {
      return fail(SipErrorCode.BAD_NAME_ADDR, `${name} does not parse`, partial);
    }
  }
  return { ok: true, message: partial };
}

/** Content-Length (or 'l') as a number; 'invalid' when non-numeric or repeated with different values. */
export function readContentLength(headers: SipHeaders): number | undefined | 'invalid' {
  const values = headers.getAll('content-length');
  if (values.length === 0) {
    return undefined;
  }
  if (!values.every((v) => /^\d{1,10}$/.test(v.trim()))) {
    return 'invalid';
  }
  const n = Number(values[0].trim());
  return values.every((v) => Number(v.trim()) === n) ? n : 'invalid';
}

/**
 * Serialize with CRLF line ends. Content-Length is set from the body: the first Content-Length
 * (or 'l') header keeps its position and spelling, later duplicates are dropped, and one is
 * appended when absent (§18.3 requires it on streams; we always send it).
 */
export function serializeSipMessage(m: SipMessage): Buffer {
  const lines: string[] = [
    m.kind === 'request' ? `${m.method} ${m.uri} SIP/2.0` : `SIP/2.0 ${m.status} ${m.reason}`,
  ];
  let wroteLength = false;
  for (const e of m.headers) {
    const isLength = canonicalHeaderName(e.name) === 'content-length';
    if (isLength && wroteLength) {
      continue;
    }
    const value = isLength ? String(m.body.length) : e.value;
    wroteLength ||= isLength;
    lines.push(`${e.name}${e.separator ?? ': '}${value}`);
  }
  if (!wroteLength) {
    lines.push(`Content-Length: ${m.body.length}`);
  }
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
  return m.body.length === 0 ? head : Buffer.concat([head, m.body]);
}

/** "REGISTER sip:…" or "401 Unauthorized", for log lines. */
export function describeMessage(m: SipMessage): string {
  return m.kind === 'request' ? `${m.method} ${m.uri}` : `${m.status} ${m.reason}`;
}

function fail(error: SipErrorCode, detail: string, partial?: SipMessage): SipParseResult {
  return partial ? { ok: false, error, detail, partial } : { ok: false, error, detail };
}
