// Program stream map `00 00 01 BC` (ISO/IEC 13818-1 §2.5.4, Table 2-41): which stream_type
// each elementary stream id carries.
//
//   4..5   program_stream_map_length (bytes after this field, CRC included)
//   6      current_next_indicator single_extension_stream_flag reserved version(5)
//   7      reserved(7) marker
//   8..9   program_stream_info_length, then descriptors
//   ..     elementary_stream_map_length (16)
//   ..     per stream: stream_type, elementary_stream_id, es_info_length(16), descriptors
//   last 4 CRC_32
//
// Quirks (docs/gb28181.md §10.4, #20): elementary_stream_map_length is wrong in some devices'
// PSMs, so the entries are read up to program_stream_map_length - 4 instead; the CRC is
// not checked because ireader's libmpeg writes it byte-reversed.
import { ByteWriter } from '../bytes/byte-writer.js';
import { StartCode, type Parsed } from './constants.js';
import { crc32Mpeg } from './crc32.js';

export interface PsmEntry {
  streamType: number;
  streamId: number;
}

export interface ProgramStreamMap {
  version: number;
  entries: PsmEntry[];
  /** Total bytes from the start code. */
  length: number;
}

export function readPsm(b: Uint8Array, at = 0, end = b.length): Parsed<ProgramStreamMap> {
  if (end - at < 6) {
    return 'more';
  }
  if (b[at] !== 0 || b[at + 1] !== 0 || b[at + 2] !== 1 || b[at + 3] !== StartCode.PSM) {
    return 'invalid';
  }
  const length = 6 + ((b[at + 4] << 8) | b[at + 5]);
  if (length < 16) {
    return 'invalid';
  } // fixed fields + both loop lengths + CRC
  if (end - at < length) {
    return 'more';
  }
  const mapEnd = at + length - 4; // before CRC_32
  const infoLength = (b[at + 8] << 8) | b[at + 9];
  let p = at + 10 + infoLength + 2; // skip descriptors and elementary_stream_map_length
  if (p > mapEnd) {
    return 'invalid';
  }
  const entries: PsmEntry[] = [];
  while (p + 4 <= mapEnd) {
    const esInfoLength = (b[p + 2] << 8) | b[p + 3];
    entries.push({ streamType: b[p], streamId: b[p + 1] });
    p += 4 + esInfoLength;
  }
  return { version: b[at + 6] & 0x1f, entries, length };
}

/** A PSM with no descriptors and a correct (big-endian) CRC_32. */
export function writePsm(entries: readonly PsmEntry[], version = 0): Uint8Array {
  const w = new ByteWriter(16 + 4 * entries.length);
  w.u32(0x000001bc).u16(0); // length patched below
  w.u8(0xe0 | (version & 0x1f)); // current_next_indicator, single_extension_stream_flag, reserved
  w.u8(0xff); // reserved(7) marker
  w.u16(0); // program_stream_info_length
  w.u16(4 * entries.length); // elementary_stream_map_length
  for (const e of entries) {
    w.u8(e.streamType).u8(e.streamId).u16(0);
  }
  w.patchU16(4, w.length + 4 - 6);
  w.u32(crc32Mpeg(w.view()));
  return w.finish();
}
