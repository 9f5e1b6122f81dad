// H.264 access units from an FLV byte stream (ffmpeg's `-f flv` on a pipe), read in arbitrary
// chunks. FLV frames every tag with its size, so an AU is complete the moment its tag is,
// unlike raw Annex-B where the end of an AU is only known when the next one starts.
// Layout (Adobe FLV spec v10.1, Annex E):
//   header   'F' 'L' 'V' version(1) flags(1) header_size(4)   then PreviousTagSize0(4)
//   tag      type(1) data_size(3) timestamp(3) timestamp_ext(1) stream_id(3) | data | PreviousTagSize(4)
//   video    frame_type(4 bits) codec_id(4 bits) | AVCPacketType(1) composition_time(3) | payload
//            AVCPacketType 1: NAL units, each behind a 4-byte big-endian length (ISO/IEC 14496-15 §5.3.4.2)

const TAG_HEADER = 11;
const PREV_TAG_SIZE = 4;
const TAG_VIDEO = 9;
const CODEC_AVC = 7;
const AVC_NALU = 1;
const FRAME_KEY = 1;

export interface FlvVideoFrame {
  /** NAL units without start codes or length prefixes. */
  units: Uint8Array[];
  /** FLV frame_type 1 (key frame). */
  keyframe: boolean;
  /** Tag timestamp in milliseconds. */
  timestampMs: number;
}

export class FlvReader {
  private buf: Buffer = Buffer.alloc(0);
  private headerDone = false;
  /** Tags skipped because they were not AVC video (script data, audio) or were malformed. */
  skipped = 0;

  constructor(private readonly onFrame: (frame: FlvVideoFrame) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    if (!this.headerDone) {
      if (this.buf.length < 9) {
        return;
      }
      const headerSize = this.buf.readUInt32BE(5); // DataOffset
      if (this.buf.length < headerSize + PREV_TAG_SIZE) {
        return;
      }
      this.buf = this.buf.subarray(headerSize + PREV_TAG_SIZE);
      this.headerDone = true;
    }
    while (this.buf.length >= TAG_HEADER) {
      const size = this.buf.readUIntBE(1, 3); // DataSize
      const total = TAG_HEADER + size + PREV_TAG_SIZE;
      if (this.buf.length < total) {
        return;
      }
      const type = this.buf[0] & 0x1f;
      const timestampMs = (this.buf.readUIntBE(4, 3) | (this.buf[7] << 24)) >>> 0; // Timestamp + TimestampExtended
      this.readTag(type, this.buf.subarray(TAG_HEADER, TAG_HEADER + size), timestampMs);
      this.buf = this.buf.subarray(total);
    }
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
    this.headerDone = false;
  }

  private readTag(type: number, data: Buffer, timestampMs: number): void {
    if (type !== TAG_VIDEO || data.length < 5 || (data[0] & 0x0f) !== CODEC_AVC || data[1] !== AVC_NALU) {
      this.skipped++; // includes the AVCDecoderConfigurationRecord: x264 repeats SPS/PPS in-band
      return;
    }
    const units: Uint8Array[] = [];
    for (let pos = 5; pos + 4 <= data.length;) {
      const len = data.readUInt32BE(pos);
      if (pos + 4 + len > data.length) {
        this.skipped++;
        return;
      }
      units.push(data.subarray(pos + 4, pos + 4 + len));
      pos += 4 + len;
    }
    if (units.length > 0) {
      this.onFrame({ units, keyframe: data[0] >> 4 === FRAME_KEY, timestampMs });
    }
  }
}
