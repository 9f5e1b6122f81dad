// H.265 access unit → RTP payloads, RFC 7798 without DONL (sprop-max-don-diff = 0):
// single NAL unit packets (§4.4.1), aggregation packets (AP, §4.4.2) and fragmentation units (FU, §4.4.3).
//
// PayloadHdr (the NAL unit header layout, §1.1.4):   FU header (§4.4.3):
//  +---------------+---------------+                  +---------------+
//  |F|   Type    |  LayerId  | TID |                  |S|E|  FuType   |
//  +---------------+---------------+                  +---------------+
// AP:  PayloadHdr(Type=48) | NALU 1 size (16) | NALU 1 | NALU 2 size | NALU 2 | ...
// FU:  PayloadHdr(Type=49) | FU header | fragment of the NAL unit without its 2-byte header

/** Aggregation, fragmentation and PACI packet types (RFC 7798 §4.4). */
export const H265PayloadType = { AP: 48, FU: 49, PACI: 50 } as const;

const NAL_HEADER = 2;
const SIZE_FIELD = 2;
/** PayloadHdr + FU header. */
const FU_OVERHEAD = 3;

/**
 * RTP payloads for one access unit, in decoding order; the caller sets the marker bit on the
 * last (§4.1). Every payload is at most `mtu` bytes. A NAL unit that fits goes alone (a view of
 * it, no copy) unless it can share an AP with its neighbours; larger ones become FUs.
 * Units shorter than the 2-byte NAL header are skipped.
 */
export function packetizeH265(units: readonly Uint8Array[], mtu: number): Uint8Array[] {
  if (!(mtu >= FU_OVERHEAD + 1)) {
    throw new RangeError(`H.265 RTP needs an mtu of at least 4 bytes, got ${mtu}`);
  }
  const nals = units.filter((u) => u.length >= NAL_HEADER);
  const out: Uint8Array[] = [];
  for (let i = 0; i < nals.length;) {
    const nal = nals[i];
    if (nal.length > mtu) {
      fragment(nal, mtu, out);
      i++;
      continue;
    }
    // Greedily aggregate the following units while the AP stays within the mtu.
    let size = NAL_HEADER + SIZE_FIELD + nal.length;
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
    out.push(end - i >= 2 ? aggregate(nals.slice(i, end), size) : nal);
    i = end;
  }
  return out;
}

/** An AP size field is 16 bits; only matters for an mtu above 64 KB. */
const fitsSizeField = (nal: Uint8Array): boolean => nal.length <= 0xffff;

/**
 * AP (§4.4.2): F is 1 when any aggregated unit has F = 1; LayerId and TID are the lowest
 * of the aggregated units.
 */
function aggregate(nals: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let f = 0;
  let layerId = 63;
  let tid = 7;
  let offset = NAL_HEADER;
  for (const nal of nals) {
    f |= nal[0] & 0x80;
    layerId = Math.min(layerId, ((nal[0] & 0x01) << 5) | (nal[1] >> 3));
    tid = Math.min(tid, nal[1] & 0x07);
    out[offset] = nal.length >> 8;
    out[offset + 1] = nal.length & 0xff;
    out.set(nal, offset + SIZE_FIELD);
    offset += SIZE_FIELD + nal.length;
  }
  out[0] = f | (H265PayloadType.AP << 1) | (layerId >> 5);
  out[1] = ((layerId & 0x1f) << 3) | tid;
  return out;
}

/**
 * FU (§4.4.3): the PayloadHdr copies F, LayerId and TID from the NAL header with Type = 49;
 * FuType carries the NAL type. Fragments are sized evenly so the last one is not a sliver.
 */
function fragment(nal: Uint8Array, mtu: number, out: Uint8Array[]): void {
  const hdr0 = (nal[0] & 0x81) | (H265PayloadType.FU << 1);
  const hdr1 = nal[1];
  const type = (nal[0] >> 1) & 0x3f;
  const body = nal.length - NAL_HEADER;
  const maxPiece = mtu - FU_OVERHEAD;
  const piece = Math.ceil(body / Math.ceil(body / maxPiece));
  for (let offset = NAL_HEADER; offset < nal.length; offset += piece) {
    const end = Math.min(offset + piece, nal.length);
    const payload = new Uint8Array(FU_OVERHEAD + end - offset);
    payload[0] = hdr0;
    payload[1] = hdr1;
    payload[2] = (offset === NAL_HEADER ? 0x80 : 0) | (end === nal.length ? 0x40 : 0) | type; // S, E, FuType
    payload.set(nal.subarray(offset, end), FU_OVERHEAD);
    out.push(payload);
  }
}
