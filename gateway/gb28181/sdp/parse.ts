// Reads a GB SDP as devices write it (docs/gb28181.md §7): tolerant of LF line ends, unknown lines,
// y=/f= anywhere and vendor transport spellings; bounded in size; never throws.
import { fail, ok, GbErrorCode, type GbResult } from '../errors.js';
import type { GbSdp, GbSdpMedia, MediaDirection, MediaTransport, TcpSetup } from './model.js';

const MAX_SDP_LENGTH = 16 * 1024;
const DIRECTIONS: readonly MediaDirection[] = ['sendonly', 'recvonly', 'sendrecv', 'inactive'];

function parseAddress(value: string): string | undefined {
  const m = /^IN\s+IP[46]\s+([^\s/]+)/i.exec(value.trim());
  return m?.[1];
}

function parseMediaLine(value: string): GbSdpMedia | undefined {
  const m = /^(\w+)\s+(\d{1,5})(?:\/\d+)?\s+(\S+)((?:\s+\d{1,3})*)\s*$/.exec(value.trim());
  if (!m || Number(m[2]) > 65535) {
    return undefined;
  }
  // TCP/RTP/AVP is the GB form; RTP/AVP/TCP is seen from some devices.
  const transport: MediaTransport = /TCP/i.test(m[3])
    ? { protocol: 'tcp', setup: undefined }
    : { protocol: 'udp' };
  const payloadTypes = m[4].trim() === '' ? [] : m[4].trim().split(/\s+/).map(Number);
  return {
    type: m[1].toLowerCase(),
    port: Number(m[2]),
    transport,
    payloadTypes,
    rtpmaps: [],
    otherAttributes: [],
  };
}

function applyAttribute(media: GbSdpMedia, attr: string): void {
  const colon = attr.indexOf(':');
  const name = (colon === -1 ? attr : attr.slice(0, colon)).trim().toLowerCase();
  const value = colon === -1 ? '' : attr.slice(colon + 1).trim();
  const t = media.transport;
  if (DIRECTIONS.includes(name as MediaDirection)) {
    media.direction = name as MediaDirection;
  } else if (name === 'rtpmap') {
    // At most 10 clock-rate digits: longer ones became floats (9e+22) that write back as other
    // numbers (found by test/fuzz/sdp).
    const r = /^(\d{1,3})\s+([^/\s]+)\/(\d{1,10})/.exec(value);
    if (r) {
      media.rtpmaps.push({ payloadType: Number(r[1]), encoding: r[2], clockRate: Number(r[3]) });
    }
  } else if (
    name === 'setup' &&
    t.protocol === 'tcp' &&
    ['active', 'passive', 'actpass'].includes(value.toLowerCase())
  ) {
    t.setup = value.toLowerCase() as TcpSetup;
  } else if (
    name === 'connection' &&
    t.protocol === 'tcp' &&
    ['new', 'existing'].includes(value.toLowerCase())
  ) {
    t.connection = value.toLowerCase() as 'new' | 'existing';
  } else if (name === 'filesize' && /^\d{1,15}$/.test(value)) {
    media.fileSize = Number(value);
  } else if (name === 'downloadspeed' && /^\d{1,6}$/.test(value)) {
    media.downloadSpeed = Number(value);
  } else {
    media.otherAttributes.push(attr);
  }
}

/** Tolerant parse: LF or CRLF, unknown lines ignored, y=/f= anywhere. Never throws. */
export function parseGbSdp(text: string): GbResult<GbSdp> {
  if (text.length > MAX_SDP_LENGTH) {
    return fail(GbErrorCode.SDP_SYNTAX, `longer than ${MAX_SDP_LENGTH}`);
  }
  let origin: GbSdp['origin'] | undefined;
  const sdp: Omit<GbSdp, 'origin'> = { sessionName: '', time: { start: 0, stop: 0 }, media: [] };
  let current: GbSdpMedia | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const m = /^([a-z])\s*=(.*)$/.exec(line);
    if (!m) {
      continue;
    }
    const [, type, value] = m as unknown as [string, string, string];
    switch (type) {
      case 'o': {
        const f = value.trim().split(/\s+/);
        if (f.length < 6) {
          return fail(GbErrorCode.SDP_SYNTAX, 'o=');
        }
        origin = { username: f[0], sessionId: f[1], sessionVersion: f[2], address: f[5] };
        break;
      }
      case 's':
        sdp.sessionName = value.trim();
        break;
      case 'u':
        sdp.uri = value.trim();
        break;
      case 'c': {
        const address = parseAddress(value);
        if (address === undefined) {
          return fail(GbErrorCode.SDP_BAD_VALUE, 'c=');
        }
        if (current) {
          current.connectionAddress = address;
        } else {
          sdp.connectionAddress = address;
        }
        break;
      }
      case 't': {
        const t = /^(\d{1,12})\s+(\d{1,12})$/.exec(value.trim());
        if (!t) {
          return fail(GbErrorCode.SDP_BAD_VALUE, 't=');
        }
        sdp.time = { start: Number(t[1]), stop: Number(t[2]) };
        break;
      }
      case 'm': {
        current = parseMediaLine(value);
        if (!current) {
          return fail(GbErrorCode.SDP_BAD_VALUE, `m=${value.slice(0, 40)}`);
        }
        sdp.media.push(current);
        break;
      }
      case 'a':
        if (current) {
          applyAttribute(current, value);
        }
        break;
      case 'y':
        sdp.ssrc = value.trim();
        break;
      case 'f':
        sdp.format = value.trim();
        break;
      default:
        break;
    }
  }
  if (!origin) {
    return fail(GbErrorCode.SDP_SYNTAX, 'no o= line');
  }
  if (sdp.media.length === 0) {
    return fail(GbErrorCode.SDP_NO_MEDIA, 'no m= line');
  }
  return ok({ origin, ...sdp });
}
