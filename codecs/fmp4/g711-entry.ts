// G.711 in its own sample entry, for MP4 files that leave the gateway (exports, downloads):
// the QuickTime sound sample description codes 'ulaw' and 'alaw' (QuickTime File Format,
// "Sound sample description", version 0), which Debian's ffmpeg (mov demuxer: pcm_mulaw,
// pcm_alaw) reads in an ISO BMFF file without extra flags. Browsers' MSE refuses these codes
// (docs/browser-notes.md §1), so HLS carries G.711 as FLAC instead (flac-entry.ts).
import { box, fullBox, u16, u32 } from './box.js';

export type G711Law = 'ulaw' | 'alaw';

/**
 * A version 0 sound sample description, laid out as ISO/IEC 14496-12 §12.2.3's AudioSampleEntry:
 *   reserved(6) | data_reference_index u16 = 1 | version u16 = 0 | revision u16 | vendor u32 |
 *   channelcount u16 | samplesize u16 = 16 | compression_id u16 = 0 | packet_size u16 |
 *   samplerate u32 (16.16)
 * QuickTime states the decoded sample size (16 bits) for the companded codes. A 'chan' box
 * (QuickTime "Audio channel layout": layout tag, bitmap, description count) names the layout,
 * mono or stereo, so readers need not guess it (ffmpeg warns when it has to).
 */
export function g711SampleEntry(law: G711Law, sampleRate = 8000, channels = 1): Uint8Array {
  return box(
    law,
    new Uint8Array(6),
    u16(1),
    new Uint8Array(8),
    u16(channels),
    u16(16),
    u16(0),
    u16(0),
    u32((sampleRate * 0x10000) >>> 0),
    fullBox('chan', 0, 0, u32(channels === 2 ? LAYOUT_STEREO : LAYOUT_MONO), u32(0), u32(0)),
  );
}

/** Core Audio channel layout tags (kAudioChannelLayoutTag_Mono, _Stereo): tag << 16 | channels. */
const LAYOUT_MONO = (100 << 16) | 1;
const LAYOUT_STEREO = (101 << 16) | 2;
