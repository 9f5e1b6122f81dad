// The unit of a talk: 20 ms of G.711 at 8 kHz (160 bytes), in the law its source speaks. Every
// source cuts its audio into these (a browser's RTP, a file, an upper platform's relayed RTP) and
// every device leg sends them, converting the law where the device wants the other one
// (docs/voice.md §3).
import type { G711Law } from '../../codecs/g711/law-convert.js';

export type { G711Law } from '../../codecs/g711/law-convert.js';

export interface AudioFrame {
  readonly law: G711Law;
  /** 160 bytes normally; the last frame of a file is padded to that length. */
  readonly payload: Uint8Array;
}

/** Where a talk's frames go: a device leg, or a simulated speaker. */
export interface AudioSink {
  write(frame: AudioFrame): void;
}
