// What the NAL-unit RTP payload formats of RFC 6184 (H.264) and RFC 7798 (H.265) need to know
// about a codec's NAL unit header. Both formats carry a NAL unit as itself (single NAL unit
// packet), several small ones in one aggregation packet (STAP-A / AP) and a large one in
// fragmentation units (FU-A / FU); they differ only in the header size, where the type field
// sits and how an aggregation packet's header is derived from the units it carries.
//
// A header is handled as one big-endian integer of `headerLength` bytes:
//  H.264 (RFC 6184 §1.3), 1 byte:     H.265 (RFC 7798 §1.1.4), 2 bytes:
//  +---------------+                  +---------------+---------------+
//  |F|NRI|  Type   |                  |F|   Type    |  LayerId  | TID |
//  +---------------+                  +---------------+---------------+
//   type = (h >> 0) & 0x1f             type = (h >> 9) & 0x3f
// The FU header that follows the FU indicator / PayloadHdr is one byte in both, |S|E|…|Type|,
// with the type in the same low bits as `typeMask` (H.264's R bit is 0x20, outside 0x1f).

export interface NalHeaderProfile {
  /** Codec name for error messages, such as 'H.264'. */
  readonly codec: string;
  /** Size of the NAL unit header and of the RTP payload header, in bytes. */
  readonly headerLength: 1 | 2;
  /** The type field is `(header >> typeShift) & typeMask`; in the FU header it is `& typeMask`. */
  readonly typeShift: number;
  readonly typeMask: number;
  /** NAL types sent as single NAL unit packets, inclusive; types outside are payload structures. */
  readonly singleTypes: { readonly min: number; readonly max: number };
  /** Payload header type of the aggregation packet (STAP-A 24, AP 48). */
  readonly aggregationType: number;
  /** Payload header type of the fragmentation unit (FU-A 28, FU 49). */
  readonly fragmentationType: number;
  /**
   * Folds one aggregated unit's header into the aggregation packet's header (type bits are
   * ignored and set by the caller). Called first with `undefined` as `acc`.
   */
  mergeAggregated(acc: number | undefined, header: number): number;
}

/** The NAL header at the start of `bytes` (at least `headerLength` long). */
export function readNalHeader(profile: NalHeaderProfile, bytes: Uint8Array): number {
  return profile.headerLength === 1 ? bytes[0] : (bytes[0] << 8) | bytes[1];
}

/** Writes a header at `offset`, most significant byte first. */
export function writeNalHeader(
  profile: NalHeaderProfile,
  out: Uint8Array,
  offset: number,
  header: number,
): void {
  if (profile.headerLength === 1) {
    out[offset] = header;
  } else {
    out[offset] = header >> 8;
    out[offset + 1] = header & 0xff;
  }
}

export function nalType(profile: NalHeaderProfile, header: number): number {
  return (header >> profile.typeShift) & profile.typeMask;
}

/** The header with its type field replaced by `type`, every other field kept. */
export function withNalType(profile: NalHeaderProfile, header: number, type: number): number {
  return (header & ~(profile.typeMask << profile.typeShift)) | (type << profile.typeShift);
}
