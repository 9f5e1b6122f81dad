// The FLAC audio sample entry for ISO BMFF ("Encapsulation of FLAC in ISO Base Media File
// Format", xiph.org, §3.3): an AudioSampleEntry named 'fLaC' holding a 'dfLa' FullBox whose
// payload is FLAC metadata blocks, STREAMINFO first (RFC 9639 §8.2).
import { box, fullBox, u16, u32 } from './box.js';

export interface FlacStreamInfo {
  minBlockSize: number;
  maxBlockSize: number;
  /** 0 = unknown. */
  minFrameSize?: number;
  maxFrameSize?: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 0 = unknown (always so for a live stream). */
  totalSamples?: number;
}

/**
 * STREAMINFO, 34 bytes:
 *   u16 min block | u16 max block | u24 min frame | u24 max frame |
 *   u20 sample rate | u3 channels-1 | u5 bits-1 | u36 total samples | u128 MD5 (0 = unknown)
 */
export function streamInfo(si: FlacStreamInfo): Uint8Array {
  const out = new Uint8Array(34);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, si.minBlockSize);
  dv.setUint16(2, si.maxBlockSize);
  const minF = si.minFrameSize ?? 0;
  const maxF = si.maxFrameSize ?? 0;
  out.set([(minF >>> 16) & 0xff, (minF >>> 8) & 0xff, minF & 0xff], 4);
  out.set([(maxF >>> 16) & 0xff, (maxF >>> 8) & 0xff, maxF & 0xff], 7);
  const rate = si.sampleRate & 0xfffff;
  const ch = (si.channels - 1) & 0x7;
  const bps = (si.bitsPerSample - 1) & 0x1f;
  const total = si.totalSamples ?? 0;
  const totalHi = Math.floor(total / 0x1_0000_0000) & 0xf;
  out[10] = rate >>> 12;
  out[11] = (rate >>> 4) & 0xff;
  out[12] = ((rate & 0xf) << 4) | (ch << 1) | (bps >>> 4);
  out[13] = ((bps & 0xf) << 4) | totalHi;
  dv.setUint32(14, total >>> 0);
  // bytes 18..33: MD5 of the unencoded audio, all zero = not computed
  return out;
}

/** 'dfLa' (version 0): one metadata block, STREAMINFO, flagged as the last block. */
export function dfLaBox(si: FlacStreamInfo): Uint8Array {
  const info = streamInfo(si);
  const header = new Uint8Array([0x80 | 0, 0, 0, info.byteLength]); // last=1, type 0, length 34
  return fullBox('dfLa', 0, 0, header, info);
}

/**
 * 'fLaC' AudioSampleEntry (ISO/IEC 14496-12 §12.2.3):
 *   reserved(6) | data_reference_index u16 = 1 | reserved u32[2] | channelcount u16 |
 *   samplesize u16 | pre_defined u16 | reserved u16 | samplerate u32 (16.16, 0 above 65535 Hz)
 */
export function flacSampleEntry(si: FlacStreamInfo): Uint8Array {
  const rate = si.sampleRate <= 0xffff ? si.sampleRate * 0x10000 : 0;
  return box(
    'fLaC',
    new Uint8Array(6),
    u16(1),
    new Uint8Array(8),
    u16(si.channels),
    u16(si.bitsPerSample),
    u16(0),
    u16(0),
    u32(rate >>> 0),
    dfLaBox(si),
  );
}
