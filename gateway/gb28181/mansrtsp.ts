// MANSRTSP, the RTSP-like bodies of INFO requests that control playback (GB/T 28181-2016
// §9.8 and Annex B; docs/gb28181.md §8.1): PLAY (resume, Scale, Range npt), PAUSE, TEARDOWN.
// Every line ends in CRLF, the last one included (the reference PAUSE body is 41 bytes).
import { fail, ok, GbErrorCode, type GbResult } from './errors.js';

/** npt seconds count from the `t=` start time of the playback SDP. */
export interface NptRange {
  start: number | 'now';
  end?: number;
}

export type MansRtspRequest =
  /** Resume (`Range: npt=now-`), seek (`Range: npt=379-`) or change speed (`Scale: 2.0`). */
  | { method: 'PLAY'; cseq: number; scale?: number; range?: NptRange }
  | { method: 'PAUSE'; cseq: number; pauseTime: 'now' | number }
  | { method: 'TEARDOWN'; cseq: number };

/**
 * A request before the dialog's MANSRTSP CSeq is assigned. Distributive over the union, unlike
 * `Omit<MansRtspRequest, 'cseq'>`, which keeps only the keys common to every member.
 */
export type MansRtspCommand = MansRtspRequest extends infer R
  ? R extends MansRtspRequest
    ? Omit<R, 'cseq'>
    : never
  : never;

/** Adds the CSeq to a command. */
export function withCseq(command: MansRtspCommand, cseq: number): MansRtspRequest {
  return { ...command, cseq };
}

export interface MansRtspResponse {
  status: number;
  reason: string;
  cseq: number;
  /** 2022: the answer should carry `RTP-Info: seq=...;rtptime=...`. */
  rtpInfo?: { seq?: number; rtptime?: number };
}

/** 2022 basic speeds; negative values play backwards (at least -1). Others are device-specific. */
export const MANSRTSP_BASIC_SCALES: readonly number[] = [0.25, 0.5, 1, 2, 4];

const CRLF = '\r\n';

/**
 * Plain decimal with at most 9 fraction digits, never exponent notation: String(1e-7) is "1e-7",
 * which no MANSRTSP parser (ours included) reads (found by test/fuzz/mansrtsp).
 */
function formatDecimal(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(9).replace(/\.?0+$/, '');
}

/** 2 → "2.0" (as in the reference), 0.5 → "0.5". */
export function formatScale(scale: number): string {
  return Number.isInteger(scale) ? scale.toFixed(1) : formatDecimal(scale);
}

function formatNpt(t: number | 'now'): string {
  return t === 'now' ? t : formatDecimal(t);
}

function formatRange(r: NptRange): string {
  return `npt=${formatNpt(r.start)}-${r.end === undefined ? '' : formatNpt(r.end)}`;
}

export function buildMansRtsp(req: MansRtspRequest): string {
  const lines = [`${req.method} RTSP/1.0`, `CSeq: ${req.cseq}`];
  if (req.method === 'PLAY') {
    if (req.scale !== undefined) {
      lines.push(`Scale: ${formatScale(req.scale)}`);
    }
    if (req.range !== undefined) {
      lines.push(`Range: ${formatRange(req.range)}`);
    }
  } else if (req.method === 'PAUSE') {
    lines.push(`PauseTime: ${formatNpt(req.pauseTime)}`);
  }
  return lines.join(CRLF) + CRLF;
}

export function buildMansRtspResponse(res: MansRtspResponse): string {
  const lines = [`RTSP/1.0 ${res.status} ${res.reason}`, `CSeq: ${res.cseq}`];
  if (res.rtpInfo) {
    const parts = [
      res.rtpInfo.seq === undefined ? undefined : `seq=${res.rtpInfo.seq}`,
      res.rtpInfo.rtptime === undefined ? undefined : `rtptime=${res.rtpInfo.rtptime}`,
    ].filter((p) => p !== undefined);
    if (parts.length > 0) {
      lines.push(`RTP-Info: ${parts.join(';')}`);
    }
  }
  return lines.join(CRLF) + CRLF;
}

const NUMBER_RE = /^[+-]?\d{1,10}(?:\.\d{1,9})?$/;

/** A NUMBER_RE value that also fits NUMBER_RE once written back (9999999999.9999999999 rounds to 1e10). */
function readNumber(text: string): number | undefined {
  const n = NUMBER_RE.test(text) ? Number(text) : NaN;
  return Math.abs(n) < 1e10 ? n : undefined;
}

function parseHeaders(lines: string[]): Map<string, string> | string {
  const headers = new Map<string, string>();
  for (const line of lines) {
    if (line.trim() === '') {
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      return `header "${line.slice(0, 40)}"`;
    }
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function parseCseq(headers: Map<string, string>): number | undefined {
  const v = headers.get('cseq');
  return v !== undefined && /^\d{1,10}$/.test(v) ? Number(v) : undefined;
}

function parseRange(value: string): NptRange | undefined {
  const m = /^npt\s*=\s*(now|[\d.]+)\s*-\s*([\d.]*)$/i.exec(value);
  if (!m) {
    return undefined;
  }
  const start = m[1].toLowerCase() === 'now' ? 'now' : readNumber(m[1]);
  if (start === undefined) {
    return undefined;
  }
  if (m[2] === '') {
    return { start };
  }
  const end = readNumber(m[2]);
  return end === undefined ? undefined : { start, end };
}

/** Parses an INFO body (LF or CRLF line ends, header names in any case). */
export function parseMansRtsp(text: string): GbResult<MansRtspRequest> {
  const lines = text.split(/\r?\n/);
  const start = /^\s*(PLAY|PAUSE|TEARDOWN)\s+RTSP\/1\.0\s*$/i.exec(lines[0] ?? '');
  if (!start) {
    return fail(GbErrorCode.RTSP_SYNTAX, `request line "${(lines[0] ?? '').slice(0, 40)}"`);
  }
  const headers = parseHeaders(lines.slice(1));
  if (typeof headers === 'string') {
    return fail(GbErrorCode.RTSP_SYNTAX, headers);
  }
  const cseq = parseCseq(headers);
  if (cseq === undefined) {
    return fail(GbErrorCode.RTSP_SYNTAX, 'CSeq');
  }
  const method = start[1].toUpperCase();
  if (method === 'TEARDOWN') {
    return ok({ method, cseq });
  }
  if (method === 'PAUSE') {
    const pause = headers.get('pausetime') ?? 'now';
    if (pause.toLowerCase() === 'now') {
      return ok({ method, cseq, pauseTime: 'now' });
    }
    const pauseTime = readNumber(pause);
    return pauseTime === undefined
      ? fail(GbErrorCode.RTSP_SYNTAX, 'PauseTime')
      : ok({ method, cseq, pauseTime });
  }
  const req: MansRtspRequest = { method: 'PLAY', cseq };
  const scale = headers.get('scale');
  if (scale !== undefined) {
    const value = readNumber(scale);
    if (value === undefined || value === 0) {
      return fail(GbErrorCode.RTSP_SYNTAX, `Scale "${scale}"`);
    }
    req.scale = value;
  }
  const range = headers.get('range');
  if (range !== undefined) {
    const parsed = parseRange(range);
    if (!parsed) {
      return fail(GbErrorCode.RTSP_SYNTAX, `Range "${range.slice(0, 40)}"`);
    }
    req.range = parsed;
  }
  return ok(req);
}

/** Parses the optional RTSP-style body of the device's 200 to an INFO. */
export function parseMansRtspResponse(text: string): GbResult<MansRtspResponse> {
  const lines = text.split(/\r?\n/);
  // Exactly three digits, the first not 0: "0200 OK" used to read as status 20 (found by test/fuzz/mansrtsp).
  const status = /^\s*RTSP\/1\.0\s+([1-9]\d\d)(?:\s+(.*))?$/i.exec(lines[0] ?? '');
  if (!status) {
    return fail(GbErrorCode.RTSP_SYNTAX, 'status line');
  }
  const headers = parseHeaders(lines.slice(1));
  if (typeof headers === 'string') {
    return fail(GbErrorCode.RTSP_SYNTAX, headers);
  }
  const cseq = parseCseq(headers);
  if (cseq === undefined) {
    return fail(GbErrorCode.RTSP_SYNTAX, 'CSeq');
  }
  const res: MansRtspResponse = { status: Number(status[1]), reason: (status[2] ?? '').trim(), cseq };
  const info = headers.get('rtp-info');
  if (info !== undefined) {
    const rtpInfo: NonNullable<MansRtspResponse['rtpInfo']> = {};
    for (const part of info.split(';')) {
      const [k, v] = part.split('=').map((s) => s.trim());
      if (v !== undefined && /^\d{1,10}$/.test(v) && (k === 'seq' || k === 'rtptime')) {
        rtpInfo[k] = Number(v);
      }
    }
    res.rtpInfo = rtpInfo;
  }
  return ok(res);
}
