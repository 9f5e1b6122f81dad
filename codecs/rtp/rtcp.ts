// Minimal RTCP (RFC 3550 §6.4, §6.6): sender and receiver reports and BYE, parsed from and written
// to compound packets; SDES, APP and anything else are kept as opaque bodies. Enough for the
// receiver reports some GB28181 devices expect as a keepalive, and to notice a device's BYE.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P|    RC   |      PT       |  length (32-bit words − 1)    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

export const RtcpType = { SR: 200, RR: 201, SDES: 202, BYE: 203, APP: 204 } as const;

/** One reception report block (§6.4.1), 24 bytes. */
export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the last report, as a fixed-point number over 256. */
  fractionLost: number;
  /** Cumulative packets lost: signed 24 bits (duplicates can make it negative). */
  cumulativeLost: number;
  /** Cycles << 16 | highest sequence number received. */
  highestSequence: number;
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received, 0 if none. */
  lastSr: number;
  /** Delay since that SR in 1/65536 s. */
  delaySinceLastSr: number;
}

export type RtcpPacket =
  | {
      type: 'sr';
      ssrc: number;
      ntpSeconds: number;
      ntpFraction: number;
      rtpTimestamp: number;
      packetCount: number;
      octetCount: number;
      reports: ReportBlock[];
    }
  | { type: 'rr'; ssrc: number; reports: ReportBlock[] }
  | { type: 'bye'; ssrcs: number[]; reason?: Uint8Array }
  /** Any other packet type: the count field and the body after the 4-byte header. */
  | { type: 'other'; packetType: number; count: number; body: Uint8Array };

const REPORT_BLOCK = 24;
const TYPE_OF = { sr: RtcpType.SR, rr: RtcpType.RR, bye: RtcpType.BYE } as const;

/** Version 2 and a second octet in the RTCP range 192–223 (RFC 5761 §4). */
export function isRtcp(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] >> 6 === 2 && bytes[1] >= 192 && bytes[1] <= 223;
}

/** Parses a compound packet; undefined if any part is malformed (never throws). */
export function parseRtcp(bytes: Uint8Array): RtcpPacket[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: RtcpPacket[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < 4 || bytes[offset] >> 6 !== 2) {
      return undefined;
    }
    const count = bytes[offset] & 0x1f;
    const packetType = bytes[offset + 1];
    const end = offset + 4 * (view.getUint16(offset + 2) + 1);
    if (end > bytes.length) {
      return undefined;
    }
    let bodyEnd = end;
    if (bytes[offset] & 0x20) {
      // §6.4.1: padding is only allowed on the last packet of a compound packet.
      const padding = bytes[end - 1];
      if (end !== bytes.length || padding === 0 || padding > end - offset - 4) {
        return undefined;
      }
      bodyEnd = end - padding;
    }
    const packet = parseOne(view, bytes, offset, bodyEnd, packetType, count);
    if (!packet) {
      return undefined;
    }
    out.push(packet);
    offset = end;
  }
  return out.length > 0 ? out : undefined;
}

function parseOne(
  view: DataView,
  bytes: Uint8Array,
  start: number,
  end: number,
  packetType: number,
  count: number,
): RtcpPacket | undefined {
  const body = start + 4;
  switch (packetType) {
    case RtcpType.SR: {
      if (end - body < 24 + count * REPORT_BLOCK) {
        return undefined;
      }
      return {
        type: 'sr',
        ssrc: view.getUint32(body),
        ntpSeconds: view.getUint32(body + 4),
        ntpFraction: view.getUint32(body + 8),
        rtpTimestamp: view.getUint32(body + 12),
        packetCount: view.getUint32(body + 16),
        octetCount: view.getUint32(body + 20),
        reports: readReports(view, body + 24, count),
      };
    }
    case RtcpType.RR:
      if (end - body < 4 + count * REPORT_BLOCK) {
        return undefined;
      }
      return { type: 'rr', ssrc: view.getUint32(body), reports: readReports(view, body + 4, count) };
    case RtcpType.BYE: {
      if (end - body < 4 * count) {
        return undefined;
      }
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) {
        ssrcs.push(view.getUint32(body + 4 * i));
      }
      const at = body + 4 * count;
      if (at >= end) {
        return { type: 'bye', ssrcs };
      }
      const length = bytes[at]; // §6.6: length octet, then the reason text
      if (at + 1 + length > end) {
        return undefined;
      }
      return { type: 'bye', ssrcs, reason: bytes.subarray(at + 1, at + 1 + length) };
    }
    default:
      return { type: 'other', packetType, count, body: bytes.subarray(body, end) };
  }
}

function readReports(view: DataView, at: number, count: number): ReportBlock[] {
  const reports: ReportBlock[] = [];
  for (let i = 0; i < count; i++, at += REPORT_BLOCK) {
    const lost = view.getUint32(at + 4);
    reports.push({
      ssrc: view.getUint32(at),
      fractionLost: lost >>> 24,
      cumulativeLost: (lost << 8) >> 8, // sign-extend 24 bits
      highestSequence: view.getUint32(at + 8),
      jitter: view.getUint32(at + 12),
      lastSr: view.getUint32(at + 16),
      delaySinceLastSr: view.getUint32(at + 20),
    });
  }
  return reports;
}

/** Writes a compound packet (no padding). Throws RangeError only on programmer misuse. */
export function serializeRtcp(packets: readonly RtcpPacket[]): Uint8Array {
  const parts = packets.map(serializeOne);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function serializeOne(p: RtcpPacket): Uint8Array {
  let count: number;
  let bodyLength: number;
  switch (p.type) {
    case 'sr':
      count = p.reports.length;
      bodyLength = 24 + REPORT_BLOCK * count;
      break;
    case 'rr':
      count = p.reports.length;
      bodyLength = 4 + REPORT_BLOCK * count;
      break;
    case 'bye':
      count = p.ssrcs.length;
      bodyLength = 4 * count + (p.reason ? align4(1 + p.reason.length) : 0);
      break;
    case 'other':
      count = p.count;
      bodyLength = p.body.length;
      break;
  }
  if (count > 31) {
    throw new RangeError(`RTCP count field holds at most 31, got ${count}`);
  }
  if (bodyLength % 4 !== 0) {
    throw new RangeError('RTCP packets are a whole number of 32-bit words');
  }
  const out = new Uint8Array(4 + bodyLength);
  const view = new DataView(out.buffer);
  const packetType = p.type === 'other' ? p.packetType : TYPE_OF[p.type];
  out[0] = 0x80 | count;
  out[1] = packetType;
  view.setUint16(2, out.length / 4 - 1);
  switch (p.type) {
    case 'sr':
      [p.ssrc, p.ntpSeconds, p.ntpFraction, p.rtpTimestamp, p.packetCount, p.octetCount].forEach((v, i) =>
        view.setUint32(4 + 4 * i, v >>> 0),
      );
      writeReports(view, 28, p.reports);
      break;
    case 'rr':
      view.setUint32(4, p.ssrc >>> 0);
      writeReports(view, 8, p.reports);
      break;
    case 'bye':
      p.ssrcs.forEach((s, i) => view.setUint32(4 + 4 * i, s >>> 0));
      if (p.reason) {
        if (p.reason.length > 255) {
          throw new RangeError('BYE reason is at most 255 octets');
        }
        out[4 + 4 * count] = p.reason.length;
        out.set(p.reason, 5 + 4 * count);
      }
      break;
    case 'other':
      out.set(p.body, 4);
      break;
  }
  return out;
}

function writeReports(view: DataView, at: number, reports: readonly ReportBlock[]): void {
  for (const r of reports) {
    view.setUint32(at, r.ssrc >>> 0);
    view.setUint32(at + 4, (((r.fractionLost & 0xff) << 24) | (r.cumulativeLost & 0xffffff)) >>> 0);
    view.setUint32(at + 8, r.highestSequence >>> 0);
    view.setUint32(at + 12, r.jitter >>> 0);
    view.setUint32(at + 16, r.lastSr >>> 0);
    view.setUint32(at + 20, r.delaySinceLastSr >>> 0);
    at += REPORT_BLOCK;
  }
}

const align4 = (n: number): number => (n + 3) & ~3;
