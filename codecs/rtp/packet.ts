// RTP fixed header, CSRC list, header extension and padding: parse and serialize (RFC 3550 §5.1, §5.3.1).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                           timestamp                           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           synchronization source (SSRC) identifier            |
//  +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//  |            contributing source (CSRC) identifiers             |  CC × 32 bits
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |   defined by profile (X=1)    |        length (32-bit words)  |  §5.3.1
//  |                        header extension                       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                            payload ...                        |
//  |                               ....   padding  | padding count |  P=1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

export interface RtpPacket {
  /** PT, 7 bits. GB28181 PS is conventionally 96. */
  payloadType: number;
  /** 16-bit sequence number; wraps at 65536 (see sequence.ts). */
  sequence: number;
  /** 32-bit media timestamp; 90 kHz for video and PS. */
  timestamp: number;
  ssrc: number;
  marker: boolean;
  /** Contributing sources, at most 15 (CC is 4 bits). */
  csrcs: readonly number[];
  /** Header extension (X=1): 16-bit profile word and data whose length is a multiple of 4. */
  extension?: { profile: number; data: Uint8Array };
  /**
   * Padding octets after the payload including the final count octet, 0 when P=0.
   * serializeRtp writes them as zeros followed by the count, which is what senders write;
   * RFC 3550 §5.1 gives the other padding octets no meaning, so they are not kept.
   */
  paddingLength: number;
  /** A view into the parsed bytes, not a copy. */
  payload: Uint8Array;
}

/** RTP version 2 (RFC 3550 §5.1). */
export const RTP_VERSION = 2;
/** Fixed header size without CSRCs or extension. */
export const RTP_HEADER_BYTES = 12;

/**
 * Cheap probe before parsing (mediasoup's IsRtp): long enough for the fixed header, version 2,
 * and the second octet outside 192–223, which RFC 5761 §4 reserves for RTCP when both share a port.
 */
export function isRtp(bytes: Uint8Array): boolean {
  if (bytes.length < RTP_HEADER_BYTES) {
    return false;
  }
  if (bytes[0] >> 6 !== RTP_VERSION) {
    return false;
  }
  const second = bytes[1];
  return second < 192 || second > 223;
}

/** Parses one RTP packet; undefined when the bytes cannot be one (never throws). */
export function parseRtp(bytes: Uint8Array): RtpPacket | undefined {
  const length = bytes.length;
  if (length < RTP_HEADER_BYTES) {
    return undefined;
  }
  const b0 = bytes[0];
  if (b0 >> 6 !== RTP_VERSION) {
    return undefined;
  }
  const hasPadding = (b0 & 0x20) !== 0;
  const hasExtension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  const b1 = bytes[1];
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);

  let offset = RTP_HEADER_BYTES;
  if (offset + 4 * csrcCount > length) {
    return undefined;
  }
  const csrcs: number[] = [];
  for (let i = 0; i < csrcCount; i++, offset += 4) {
    csrcs.push(view.getUint32(offset));
  }

  let extension: RtpPacket['extension'];
  if (hasExtension) {
    if (offset + 4 > length) {
      return undefined;
    }
    const profile = view.getUint16(offset);
    const words = view.getUint16(offset + 2); // length in 32-bit words, excluding this 4-octet header
    offset += 4;
    if (offset + 4 * words > length) {
      return undefined;
    }
    extension = { profile, data: bytes.subarray(offset, offset + 4 * words) };
    offset += 4 * words;
  }

  let paddingLength = 0;
  if (hasPadding) {
    // §5.1: the last octet counts the padding octets, itself included, so it cannot be 0,
    // and the padding cannot reach back into the header.
    paddingLength = bytes[length - 1];
    if (paddingLength === 0 || offset + paddingLength > length) {
      return undefined;
    }
  }

  const packet: RtpPacket = {
    payloadType: b1 & 0x7f,
    sequence: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    marker: (b1 & 0x80) !== 0,
    csrcs,
    paddingLength,
    payload: bytes.subarray(offset, length - paddingLength),
  };
  if (extension) {
    packet.extension = extension;
  }
  return packet;
}

/** Size serializeRtp will produce. */
export function rtpPacketLength(p: RtpPacket): number {
  const ext = p.extension ? 4 + p.extension.data.length : 0;
  return RTP_HEADER_BYTES + 4 * p.csrcs.length + ext + p.payload.length + p.paddingLength;
}

/** Writes the packet; throws RangeError only for fields no packet can carry (programmer misuse). */
export function serializeRtp(p: RtpPacket): Uint8Array {
  if (p.csrcs.length > 15) {
    throw new RangeError(`RTP carries at most 15 CSRCs, got ${p.csrcs.length}`);
  }
  if (p.paddingLength < 0 || p.paddingLength > 255) {
    throw new RangeError(`RTP padding must be 0..255, got ${p.paddingLength}`);
  }
  const ext = p.extension;
  if (ext && (ext.data.length % 4 !== 0 || ext.data.length > 4 * 0xffff)) {
    throw new RangeError(
      `RTP header extension must be a multiple of 4 octets up to ${4 * 0xffff}, got ${ext.data.length}`,
    );
  }

  const out = new Uint8Array(rtpPacketLength(p));
  const view = new DataView(out.buffer);
  out[0] = (RTP_VERSION << 6) | (p.paddingLength > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | p.csrcs.length;
  out[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  view.setUint16(2, p.sequence & 0xffff);
  view.setUint32(4, p.timestamp >>> 0);
  view.setUint32(8, p.ssrc >>> 0);
  let offset = RTP_HEADER_BYTES;
  for (const csrc of p.csrcs) {
    view.setUint32(offset, csrc >>> 0);
    offset += 4;
  }
  if (ext) {
    view.setUint16(offset, ext.profile & 0xffff);
    view.setUint16(offset + 2, ext.data.length / 4);
    out.set(ext.data, offset + 4);
    offset += 4 + ext.data.length;
  }
  out.set(p.payload, offset);
  if (p.paddingLength > 0) {
    out[out.length - 1] = p.paddingLength;
  }
  return out;
}
