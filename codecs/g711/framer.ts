// Cuts a G.711 byte stream into 20 ms frames (160 samples at 8 kHz, one byte each), whatever the
// packet size it arrived in: browsers send 20 ms, but a=ptime may ask for 10, 30 or 60 ms
// (RFC 4566 §6), and a file arrives whole. flush() pads the last partial frame with the law's
// idle code (A-law 0xD5, µ-law 0xFF: the levels nearest zero) so every frame has one length.
import type { Processor } from '../processor.js';
import type { G711Law } from './law-convert.js';

export const G711_FRAME_BYTES = 160;
export const G711_IDLE: Readonly<Record<G711Law, number>> = { PCMA: 0xd5, PCMU: 0xff };

export class G711Framer implements Processor<Uint8Array, Uint8Array> {
  readonly stats = { bytes: 0, frames: 0, padded: 0 };
  readonly #law: G711Law;
  #partial = new Uint8Array(G711_FRAME_BYTES);
  #fill = 0;

  constructor(law: G711Law) {
    this.#law = law;
  }

  push(input: Uint8Array): Uint8Array[] {
    this.stats.bytes += input.length;
    const out: Uint8Array[] = [];
    let at = 0;
    if (this.#fill > 0) {
      const n = Math.min(input.length, G711_FRAME_BYTES - this.#fill);
      this.#partial.set(input.subarray(0, n), this.#fill);
      this.#fill += n;
      at = n;
      if (this.#fill === G711_FRAME_BYTES) {
        out.push(this.#partial);
        this.#partial = new Uint8Array(G711_FRAME_BYTES);
        this.#fill = 0;
      }
    }
    // Whole frames are copied out, so a frame outlives the caller's reuse of its buffer.
    for (; at + G711_FRAME_BYTES <= input.length; at += G711_FRAME_BYTES) {
      out.push(input.slice(at, at + G711_FRAME_BYTES));
    }
    if (at < input.length) {
      this.#partial.set(input.subarray(at), 0);
      this.#fill = input.length - at;
    }
    this.stats.frames += out.length;
    return out;
  }

  flush(): Uint8Array[] {
    if (this.#fill === 0) {
      return [];
    }
    const frame = this.#partial;
    frame.fill(G711_IDLE[this.#law], this.#fill);
    this.#partial = new Uint8Array(G711_FRAME_BYTES);
    this.#fill = 0;
    this.stats.frames++;
    this.stats.padded++;
    return [frame];
  }
}
