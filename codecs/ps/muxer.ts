// Program Stream muxer for the simulator and for tests: one access unit in, one pack out,
// laid out as GB/T 28181 devices do (docs/gb28181.md §10.6, ireader's libmpeg style): an MPEG-2
// pack header with SCR = DTS - 3600, a system header and PSM before keyframes, then the
// PES packets, each carrying at most 0xFF80 payload bytes, the first with PTS (and DTS
// when it differs). The first pack, and the first one of a stream not yet mapped or whose
// codec changed (a reconfigured device), also get a PSM.
import type { AccessUnit, AudioCodec, VideoCodec } from '../types.js';
import { MAX_PES_PAYLOAD, streamTypeOfCodec } from './constants.js';
import { writePackHeader } from './pack-header.js';
import { writePesHeader } from './pes.js';
import { writePsm, type PsmEntry } from './psm.js';
import { writeSystemHeader } from './system-header.js';
import { joinBytes } from '../bytes/concat.js';

export interface PsMuxerOptions {
  /** Video codec declared in the PSM, whatever the access units are; default: theirs. */
  video?: VideoCodec;
  /** Audio codec declared in the PSM, whatever the access units are; default: theirs. */
  audio?: AudioCodec;
  /** System header and PSM in every pack, as some vendors send; default false (keyframes only). */
  psmOnEveryPack?: boolean;
  /** Start every video access unit with an AUD, as ireader's muxer does; default false. */
  insertAud?: boolean;
  /** program_mux_rate in units of 50 bytes/s; default 6106 (the reference's example). */
  muxRate?: number;
  /** pack_stuffing_length, 0-7 bytes of 0xFF after each pack header; default 0. */
  packStuffing?: number;
  /** Elementary stream ids; default 0xE0 and 0xC0. */
  videoStreamId?: number;
  audioStreamId?: number;
  /**
   * Write no PTS/DTS in any PES, as some encoders do (a field bug the demuxer handles: it
   * times such streams from the RTP timestamp). Default false.
   */
  omitTimestamps?: boolean;
}

/** SCR leads the DTS by 40 ms (3600 ticks at 90 kHz), as ireader's muxer writes it. */
const SCR_LEAD = 3600;
const START_CODE = new Uint8Array([0, 0, 0, 1]);
/** AUD NAL units: H.264 primary_pic_type 7 (§7.3.2.4), H.265 pic_type 2 (§7.3.2.5). */
const AUD_H264 = new Uint8Array([0x09, 0xf0]);
const AUD_H265 = new Uint8Array([0x46, 0x01, 0x50]);

export class PsMuxer {
  private video: VideoCodec | undefined;
  private audio: AudioCodec | undefined;
  private readonly videoId: number;
  private readonly audioId: number;
  /** A PSM has been written. */
  private mapped = false;

  constructor(private readonly opts: PsMuxerOptions = {}) {
    this.video = opts.video;
    this.audio = opts.audio;
    this.videoId = opts.videoStreamId ?? 0xe0;
    this.audioId = opts.audioStreamId ?? 0xc0;
  }

  /** One pack holding the whole access unit. */
  mux(au: AccessUnit): Uint8Array {
    const isVideo = au.codec === 'H264' || au.codec === 'H265';
    // A stream not yet in the PSM (or now in another codec) gets one at once: without it a
    // demuxer cannot tell A-law from µ-law.
    const declared = isVideo ? this.opts.video : this.opts.audio;
    const newStream = (isVideo ? this.video : this.audio) !== (declared ?? au.codec);
    if (isVideo) {
      this.video = this.opts.video ?? au.codec;
    } else {
      this.audio = this.opts.audio ?? au.codec;
    }
    const parts: Uint8Array[] = [
      writePackHeader(au.dts - SCR_LEAD, this.opts.muxRate ?? 6106, this.opts.packStuffing ?? 0),
    ];
    if ((isVideo && au.keyframe) || newStream || !this.mapped || this.opts.psmOnEveryPack) {
      parts.push(this.systemHeader(), this.psm());
      this.mapped = true;
    }
    const payload = isVideo ? this.annexB(au) : joinBytes(au.units);
    const id = isVideo ? this.videoId : this.audioId;
    for (let at = 0; at < payload.length || at === 0; at += MAX_PES_PAYLOAD) {
      const piece = payload.subarray(at, at + MAX_PES_PAYLOAD);
      parts.push(
        at === 0 && !this.opts.omitTimestamps
          ? writePesHeader(id, piece.length, au.pts, au.dts)
          : writePesHeader(id, piece.length),
        piece,
      );
    }
    return joinBytes(parts);
  }

  private annexB(au: AccessUnit): Uint8Array {
    const parts: Uint8Array[] = [];
    if (this.opts.insertAud) {
      parts.push(START_CODE, au.codec === 'H265' ? AUD_H265 : AUD_H264);
    }
    for (const u of au.units) {
      parts.push(START_CODE, u);
    }
    return joinBytes(parts);
  }

  private systemHeader(): Uint8Array {
    const streams = [];
    if (this.video) {
      streams.push({ streamId: this.videoId, bufferBoundScale: 1, bufferSizeBound: 400 });
    }
    if (this.audio) {
      streams.push({ streamId: this.audioId, bufferBoundScale: 0, bufferSizeBound: 32 });
    }
    const rateBound = this.opts.muxRate ?? 6106;
    return writeSystemHeader({
      rateBound,
      audioBound: this.audio ? 1 : 0,
      videoBound: this.video ? 1 : 0,
      streams,
    });
  }

  private psm(): Uint8Array {
    const entries: PsmEntry[] = [];
    if (this.video) {
      entries.push({ streamType: streamTypeOfCodec(this.video), streamId: this.videoId });
    }
    if (this.audio) {
      entries.push({ streamType: streamTypeOfCodec(this.audio), streamId: this.audioId });
    }
    return writePsm(entries);
  }
}
