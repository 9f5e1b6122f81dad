// What a recording's header (ftyp + moov, ISO/IEC 14496-12 §8.2-§8.5) says about its tracks:
// for each trak its track_ID (tkhd), media timescale (mdhd), handler (hdlr) and first sample
// entry (stsd), so a reader of the file's fragments knows which traf is which. Never throws:
// a header that does not parse gives undefined.
import { childrenOfType, findPath, readBoxes, readU32, type BoxRef } from './box.js';

export interface HeaderTrack {
  readonly id: number;
  /** hdlr handler_type: 'vide', 'soun', ... */
  readonly handler: string;
  readonly timescale: number;
  /** Four-character code of the first sample entry: 'avc1', 'hvc1', 'alaw', 'ulaw', 'fLaC', ... */
  readonly sampleEntry: string;
  /** AudioSampleEntry channelcount (§12.2.3); 0 for other tracks. */
  readonly channels: number;
}

const typeAt = (b: Uint8Array, at: number): string =>
  String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);

/** Every trak of the moov, in order; undefined without a complete moov or with a bad trak. */
export function readHeaderTracks(init: Uint8Array): HeaderTrack[] | undefined {
  const moov = readBoxes(init).find((b) => b.type === 'moov');
  if (!moov) {
    return undefined;
  }
  const out: HeaderTrack[] = [];
  for (const trak of childrenOfType(init, moov, 'trak')) {
    const track = readTrak(init, trak);
    if (!track) {
      return undefined;
    }
    out.push(track);
  }
  return out;
}

function readTrak(bytes: Uint8Array, trak: BoxRef): HeaderTrack | undefined {
  const sub = bytes.subarray(trak.start, trak.end);
  const tkhd = findPath(sub, ['trak', 'tkhd'])?.[1];
  const mdhd = findPath(sub, ['trak', 'mdia', 'mdhd'])?.[2];
  const hdlr = findPath(sub, ['trak', 'mdia', 'hdlr'])?.[2];
  const stsd = findPath(sub, ['trak', 'mdia', 'minf', 'stbl', 'stsd'])?.[4];
  if (!tkhd || !mdhd || !hdlr || !stsd) {
    return undefined;
  }
  // tkhd: version/flags, then creation and modification times (32 or 64 bits each), track_ID.
  const idAt = tkhd.start + (sub[tkhd.start + 8] === 1 ? 28 : 20);
  // mdhd: version/flags, the two times, then timescale.
  const scaleAt = mdhd.start + (sub[mdhd.start + 8] === 1 ? 28 : 20);
  // hdlr: version/flags, pre_defined, handler_type.
  const handlerAt = hdlr.start + 16;
  // stsd: version/flags, entry_count, then the entries.
  const entry = readBoxes(sub, stsd.start + 16, stsd.end)[0];
  if (idAt + 4 > tkhd.end || scaleAt + 4 > mdhd.end || handlerAt + 4 > hdlr.end || !entry) {
    return undefined;
  }
  const handler = typeAt(sub, handlerAt);
  // AudioSampleEntry: header 8, reserved 6, data_reference_index 2, reserved 8, channelcount.
  const channels =
    handler === 'soun' && entry.start + 26 <= entry.end
      ? (sub[entry.start + 24] << 8) | sub[entry.start + 25]
      : 0;
  return {
    id: readU32(sub, idAt),
    handler,
    timescale: readU32(sub, scaleAt),
    sampleEntry: entry.type,
    channels,
  };
}
