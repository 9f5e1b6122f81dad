// NAL units of one access unit → RTP payloads, the scheme RFC 6184 (packetization-mode 1) and
// RFC 7798 (no DONL) share: single NAL unit packets (6184 §5.6, 7798 §4.4.1), aggregation
// packets (STAP-A §5.7.1, AP §4.4.2) and fragmentation units (FU-A §5.8, FU §4.4.3).
//
// Aggregation packet:                       Fragmentation unit:
//  payload header (type = aggregation)       payload header (type = fragmentation)
//  NALU 1 size (16) | NALU 1 (with header)   FU header |S|E|…| NAL type |
//  NALU 2 size (16) | NALU 2 ...             fragment of the NAL unit, without its header
import {
  nalType,
  readNalHeader,
  withNalType,
  writeNalHeader,
  type NalHeaderProfile,
} from './nal-header-profile.js';

/** Each aggregated unit is preceded by a 16-bit size (STAP-A §5.7.1, AP §4.4.2). */
const SIZE_FIELD = 2;
/** The FU header that follows the payload header (FU-A §5.8, FU §4.4.3). */
const FU_HEADER = 1;

/** The smallest mtu that still carries one byte of a fragmented NAL unit. */
export function minimumMtu(profile: NalHeaderProfile): number {
  return profile.headerLength + FU_HEADER + 1;
}

/**
 * RTP payloads for one access unit, in decoding order; the caller sets the marker bit on the
 * packet carrying the last one. Every payload is at most `mtu` bytes. A NAL unit that fits
 * goes alone, as the NAL bytes themselves (a view, not a copy), unless it can share an
 * aggregation packet with its neighbours; larger ones are split into fragmentation units.
 * Units shorter than the NAL header are skipped. Throws RangeError below `minimumMtu`.
 */
export function packetizeNalUnits(
  profile: NalHeaderProfile,
  units: readonly Uint8Array[],
  mtu: number,
): Uint8Array[] {
  if (!(mtu >= minimumMtu(profile))) {
    throw new RangeError(
      `${profile.codec} RTP needs an mtu of at least ${minimumMtu(profile)} bytes, got ${mtu}`,
    );
  }
  const headerLength = profile.headerLength;
  const nals = units.filter((u) => u.length >= headerLength);
  const out: Uint8Array[] = [];
  for (let i = 0; i < nals.length;) {
    const nal = nals[i];
    if (nal.length > mtu) {
      fragment(profile, nal, mtu, out);
      i++;
      continue;
    }
    // Greedily aggregate the following units while the packet stays within the mtu.
    let size = headerLength + SIZE_FIELD + nal.length;
    let end = i + 1;
    while (
      end < nals.length &&
      fitsSizeField(nal) &&
      fitsSizeField(nals[end]) &&
      size + SIZE_FIELD + nals[end].length <= mtu
    ) {
      size += SIZE_FIELD + nals[end].length;
      end++;
    }
    out.push(end - i >= 2 ? aggregate(profile, nals, i, end, size) : nal);
    i = end;
  }
  return out;
}

/** A size field is 16 bits; only matters for an mtu above 64 KB. */
const fitsSizeField = (nal: Uint8Array): boolean => nal.length <= 0xffff;

/** The aggregation packet of `nals[from..to)`, `size` bytes; its header comes from the profile. */
function aggregate(
  profile: NalHeaderProfile,
  nals: readonly Uint8Array[],
  from: number,
  to: number,
  size: number,
): Uint8Array {
  const out = new Uint8Array(size);
  let header: number | undefined;
  let offset = profile.headerLength;
  for (let k = from; k < to; k++) {
    const nal = nals[k];
    header = profile.mergeAggregated(header, readNalHeader(profile, nal));
    out[offset] = nal.length >> 8;
    out[offset + 1] = nal.length & 0xff;
    out.set(nal, offset + SIZE_FIELD);
    offset += SIZE_FIELD + nal.length;
  }
  writeNalHeader(profile, out, 0, withNalType(profile, header!, profile.aggregationType));
  return out;
}

/**
 * Fragmentation units: the NAL header is not sent; the payload header is the NAL header with
 * the fragmentation type, and the FU header carries the NAL type. Fragments are sized evenly
 * so the last one is not a sliver.
 */
function fragment(profile: NalHeaderProfile, nal: Uint8Array, mtu: number, out: Uint8Array[]): void {
  const headerLength = profile.headerLength;
  const overhead = headerLength + FU_HEADER;
  const header = readNalHeader(profile, nal);
  const indicator = withNalType(profile, header, profile.fragmentationType);
  const type = nalType(profile, header);
  const body = nal.length - headerLength;
  const piece = Math.ceil(body / Math.ceil(body / (mtu - overhead)));
  for (let offset = headerLength; offset < nal.length; offset += piece) {
    const end = Math.min(offset + piece, nal.length);
    const payload = new Uint8Array(overhead + end - offset);
    writeNalHeader(profile, payload, 0, indicator);
    payload[headerLength] = (offset === headerLength ? 0x80 : 0) | (end === nal.length ? 0x40 : 0) | type; // S, E, type
    payload.set(nal.subarray(offset, end), overhead);
    out.push(payload);
  }
}
