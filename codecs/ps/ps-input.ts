// What PsDemuxer takes in: a piece of program stream and what its transport knew about it.
// A file is fed as `{ payload }` chunks of any size. GB/T 28181 RTP (2022 §4.3.6, Annex C)
// adds the packet's marker and timestamp, and a gap flag where packets were lost; an RtpPacket
// (codecs/rtp/packet.ts) is a PsInput as it is, so the ingest passes packets through unchanged.

export interface PsInput {
  /** Program stream bytes: one RTP payload, or any chunk of a file. */
  readonly payload: Uint8Array;
  /**
   * RTP marker bit: this payload ends a video frame. Devices get it wrong (docs/gb28181.md §10.1), so
   * it is acted on only once the stream has shown it agrees with the NAL units (frame-boundary.ts).
   */
  readonly marker?: boolean;
  /**
   * RTP timestamp (32 bits, the 90 kHz media clock). A new value means the payload before ended
   * a frame (same rule as the marker). It also times the access units of streams whose PES
   * carry no PTS at all.
   */
  readonly timestamp?: number;
  /** Input before this payload was lost (RTP sequence gap, TCP reconnect, a new sender). */
  readonly gap?: boolean;
}

/** A gap with no payload: lost input, reported before the next packet arrives. */
export const GAP: PsInput = { payload: new Uint8Array(0), gap: true };
