// Cuts a PCM timeline into fixed-size FLAC frames (VERBATIM): the audio half of the
// G.711 → FLAC path for fMP4. Keeps the partial block between pushes; a jump in the
// input timeline drops it and restarts the block grid there.
import type { Processor } from '../processor.js';
import { writeFlacFrame } from './flac-frame.js';

export interface PcmChunk {
  /** Mono 16-bit samples. */
  readonly pcm: Int16Array;
  /** Output-timeline index (in samples) of pcm[0]; may be negative (those samples are dropped). */
  readonly time: number;
}

export interface FlacSample {
  /** Output-timeline index of the first sample in the frame. */
  readonly time: number;
  /** Samples in the frame (the block size). */
  readonly duration: number;
  /** One complete FLAC frame. */
  readonly data: Uint8Array;
}

export interface FlacPackerOptions {
  sampleRate: number;
  /** Samples per frame (default 160 = 20 ms at 8 kHz). */
  blockSize?: number;
  /** A chunk starting further than this from where the last ended restarts the grid (default rate / 10). */
  jumpSamples?: number;
}

export class FlacPacker implements Processor<PcmChunk, FlacSample> {
  readonly blockSize: number;
  private readonly rate: number;
  private readonly jump: number;
  private readonly block: Int16Array;
  private filled = 0;
  private blockTime = 0;
  private nextTime: number | undefined;
  private frameNumber = 0;
  private readonly counters = { frames: 0, resyncs: 0, droppedSamples: 0 };

  constructor(opts: FlacPackerOptions) {
    this.rate = opts.sampleRate;
    this.blockSize = opts.blockSize ?? 160;
    this.jump = opts.jumpSamples ?? Math.round(opts.sampleRate / 10);
    this.block = new Int16Array(this.blockSize);
  }

  get stats(): Readonly<Record<string, number>> {
    return this.counters;
  }

  push(chunk: PcmChunk): FlacSample[] {
    let { pcm, time } = chunk;
    if (time < 0) {
      const cut = Math.min(pcm.length, -time);
      this.counters.droppedSamples += cut;
      pcm = pcm.subarray(cut);
      time += cut;
    }
    if (pcm.length === 0) {
      return [];
    }
    if (this.nextTime === undefined || Math.abs(time - this.nextTime) > this.jump) {
      if (this.nextTime !== undefined) {
        this.counters.resyncs++;
      }
      this.counters.droppedSamples += this.filled;
      this.filled = 0;
      this.blockTime = time;
    }
    const out: FlacSample[] = [];
    let i = 0;
    while (i < pcm.length) {
      const n = Math.min(this.blockSize - this.filled, pcm.length - i);
      this.block.set(pcm.subarray(i, i + n), this.filled);
      this.filled += n;
      i += n;
      if (this.filled === this.blockSize) {
        const data = writeFlacFrame([this.block], { sampleRate: this.rate, frameNumber: this.frameNumber++ });
        out.push({ time: this.blockTime, duration: this.blockSize, data });
        this.counters.frames++;
        this.blockTime += this.blockSize;
        this.filled = 0;
      }
    }
    this.nextTime = this.blockTime + this.filled;
    return out;
  }

  /** Drops the partial block: fixed-blocksize FLAC allows a short frame only at the very end. */
  flush(): FlacSample[] {
    this.counters.droppedSamples += this.filled;
    this.filled = 0;
    this.nextTime = undefined;
    return [];
  }
}
