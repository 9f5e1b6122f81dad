// H.264 access unit → RTP payloads, RFC 6184 packetization-mode 1 (non-interleaved):
// single NAL unit packets (§5.6), STAP-A aggregation (§5.7.1) and FU-A fragmentation (§5.8).
//
// STAP-A:                                   FU-A:
//  +---------------+---------------+ ...     +---------------+---------------+ ...
//  |F|NRI| Type=24 | NALU 1 size   |         |F|NRI| Type=28 |S|E|R| Type    | fragment
//  +---------------+---------------+         +---------------+---------------+
//  NALU 1 (with its header) | NALU 2 size | NALU 2 | ...      FU indicator    FU header

/** Aggregation and fragmentation unit types (RFC 6184 Table 3). */
export const H264PayloadType = {
  STAP_A: 24,
  STAP_B: 25,
  MTAP16: 26,
  MTAP24: 27,
  FU_A: 28,
  FU_B: 29,
} as const;

/** STAP-A header byte plus one 16-bit size (§5.7.1). */
const STAP_A_OVERHEAD = 1;
const STAP_A_SIZE_FIELD = 2;
/** FU indicator + FU header (§5.8). */
const FU_A_OVERHEAD = 2;

/**
 * RTP payloads for one access unit, in decoding order; the caller sets the marker bit on the
 * packet carrying the last one (§5.1). Every payload is at most `mtu` bytes. A NAL unit that
 * fits goes alone, as the NAL bytes themselves (a view, not a copy), unless it can share a
 * STAP-A with its neighbours; larger ones are split into FU-A fragments. Empty units are skipped.
 */
export function packetizeH264(units: readonly Uint8Array[], mtu: number): Uint8Array[] {
  if (!(mtu >= FU_A_OVERHEAD + 1)) {
    throw new RangeError(`H.264 RTP needs an mtu of at least 3 bytes, got ${mtu}`);
  }
  const nals = units.filter((u) => u.length > 0);
  const out: Uint8Array[] = [];
  for (let i = 0; i < nals.length;) {
    const nal = nals[i];
    if (nal.length > mtu) {
      fragment(nal, mtu, out);
      i++;
      continue;
    }
    // Greedily aggregate the following units while the STAP-A stays within the mtu.
    let size = STAP_A_OVERHEAD + STAP_A_SIZE_FIELD + nal.length;
    let end = i + 1;
    while (
      end < nals.length &&
      fitsSizeField(nal) &&
      fitsSizeField(nals[end]) &&
      size + STAP_A_SIZE_FIELD + nals[end].length <= mtu
    ) {
      size += STAP_A_SIZE_FIELD + nals[end].length;
      end++;
    }
    out.push(end - i >= 2 ? aggregate(nals.slice(i, end), size) : nal);
    i = end;
  }
  return out;
}

/** A STAP-A size field is 16 bits; only matters for an mtu above 64 KB. */
const fitsSizeField = (nal: Uint8Array): boolean => nal.length <= 0xffff;

/**
 * STAP-A (§5.7.1): F is set when any aggregated unit has F set; NRI is the highest NRI
 * of the aggregated units (§5.7: "MUST be the maximum").
 */
function aggregate(nals: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let f = 0;
  let nri = 0;
  let offset = STAP_A_OVERHEAD;
  for (const nal of nals) {
    f |= nal[0] & 0x80;
    nri = Math.max(nri, nal[0] & 0x60);
    out[offset] = nal.length >> 8;
    out[offset + 1] = nal.length & 0xff;
    out.set(nal, offset + STAP_A_SIZE_FIELD);
    offset += STAP_A_SIZE_FIELD + nal.length;
  }
  out[0] = f | nri | H264PayloadType.STAP_A;
  return out;
}

/**
 * FU-A (§5.8): the NAL header is not sent; its F and NRI go into the FU indicator and its
 * type into the FU header. Fragments are sized evenly so the last one is not a sliver.
 */
function fragment(nal: Uint8Array, mtu: number, out: Uint8Array[]): void {
  const header = nal[0];
  const indicator = (header & 0xe0) | H264PayloadType.FU_A;
  const type = header & 0x1f;
  const body = nal.length - 1;
  const maxPiece = mtu - FU_A_OVERHEAD;
  const piece = Math.ceil(body / Math.ceil(body / maxPiece));
  for (let offset = 1; offset < nal.length; offset += piece) {
    const end = Math.min(offset + piece, nal.length);
    const payload = new Uint8Array(FU_A_OVERHEAD + end - offset);
    payload[0] = indicator;
    payload[1] = (offset === 1 ? 0x80 : 0) | (end === nal.length ? 0x40 : 0) | type; // S, E, R=0, Type
    payload.set(nal.subarray(offset, end), FU_A_OVERHEAD);
    out.push(payload);
  }
}
