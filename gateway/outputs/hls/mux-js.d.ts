// Types for the one part of mux.js 7.1.0 we use: lib/mp4/mp4-generator.js (CommonJS; its
// module.exports arrives as the default import under NodeNext). Only the fields it reads.
declare module 'mux.js/lib/mp4/mp4-generator.js' {
  /** ISO/IEC 14496-12 §8.8.3.1 sample_flags, spelled out; every field must be set. */
  export interface MuxSampleFlags {
    isLeading: number;
    dependsOn: number;
    isDependedOn: number;
    hasRedundancy: number;
    paddingValue: number;
    isNonSyncSample: number;
    degradationPriority: number;
  }

  export interface MuxSample {
    duration: number;
    size: number;
    /** Video only (audio truns carry duration and size). */
    flags?: MuxSampleFlags;
    /** Video only; written unsigned (trun version 0). */
    compositionTimeOffset?: number;
  }

  export interface MuxTrack {
    id: number;
    type: 'video' | 'audio';
    /** tkhd/mdhd duration; 0 is replaced by 0xffffffff. */
    duration?: number;
    baseMediaDecodeTime?: number;
    samples?: MuxSample[];
    // video sample entry (avc1/avcC)
    width?: number;
    height?: number;
    sps?: Uint8Array[];
    pps?: Uint8Array[];
    profileIdc?: number;
    profileCompatibility?: number;
    levelIdc?: number;
    sarRatio?: [number, number];
    // audio sample entry (mp4a/esds); samplerate is also the audio mdhd timescale
    samplerate?: number;
    channelcount?: number;
    samplesize?: number;
    audioobjecttype?: number;
    samplingfrequencyindex?: number;
  }

  interface Mp4Generator {
    ftyp(): Uint8Array;
    mdat(data: Uint8Array): Uint8Array;
    moof(sequenceNumber: number, tracks: MuxTrack[]): Uint8Array;
    moov(tracks: MuxTrack[]): Uint8Array;
    initSegment(tracks: MuxTrack[]): Uint8Array;
  }

  const generator: Mp4Generator;
  export default generator;
}
