// The simulated device's loudspeaker (docs/voice.md §6): decodes the G.711 a voice broadcast
// delivers and reports, once per second of audio, what it heard (RMS level and dominant
// frequency, codecs/audio/tone.ts), in its log and through SimulatedDevice.heard(), so tests and
// the demo can prove that the sound arrived and which sound it was.
import { decodeAlaw, decodeUlaw } from '../codecs/g711/g711.js';
import { ToneMeter, type ToneReport } from '../codecs/audio/tone.js';
import type { Logger } from '../gateway/log.js';
import type { Speaker } from '../gateway/gb28181/lower/backend.js';
import type { AudioFrame } from '../gateway/talk/audio-frame.js';

export interface HeardSecond {
  channelId: string;
  /** When the second was complete (ISO 8601). */
  at: string;
  second: number;
  samples: number;
  dbfs: number;
  dominantHz: number | null;
}

export interface SpeakerSummary {
  channelId: string;
  sourceId: string;
  frames: number;
  /** Seconds of audio played (samples / 8000). */
  seconds: number;
  laws: { PCMA: number; PCMU: number };
  closedBecause: string | null;
}

export class SimulatedSpeaker implements Speaker {
  readonly #meter = new ToneMeter(8000);
  readonly #log: Logger | undefined;
  readonly #onSecond: (s: HeardSecond) => void;
  readonly #onClose: (s: SpeakerSummary) => void;
  readonly summary: SpeakerSummary;
  #closed = false;

  constructor(
    channelId: string,
    sourceId: string,
    hooks: { log?: Logger; onSecond(s: HeardSecond): void; onClose(s: SpeakerSummary): void },
  ) {
    this.summary = {
      channelId,
      sourceId,
      frames: 0,
      seconds: 0,
      laws: { PCMA: 0, PCMU: 0 },
      closedBecause: null,
    };
    this.#log = hooks.log;
    this.#onSecond = (s) => hooks.onSecond(s);
    this.#onClose = (s) => hooks.onClose(s);
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(frame: AudioFrame): void {
    if (this.#closed) {
      return;
    }
    this.summary.frames++;
    this.summary.laws[frame.law]++;
    const pcm = frame.law === 'PCMA' ? decodeAlaw(frame.payload) : decodeUlaw(frame.payload);
    this.summary.seconds += pcm.length / 8000;
    for (const report of this.#meter.push(pcm)) {
      this.#report(report);
    }
  }

  close(reason: string): void {
    if (this.#closed) {
      return;
    }
    for (const report of this.#meter.flush()) {
      this.#report(report);
    }
    this.#closed = true;
    this.summary.closedBecause = reason;
    this.#log?.info(
      { ...this.summary, seconds: Math.round(this.summary.seconds * 100) / 100 },
      'speaker closed',
    );
    this.#onClose(this.summary);
  }

  #report(r: ToneReport): void {
    const heard: HeardSecond = {
      channelId: this.summary.channelId,
      at: new Date().toISOString(),
      second: r.second,
      samples: r.samples,
      dbfs: Math.round(r.dbfs * 10) / 10,
      dominantHz: r.dominantHz === null ? null : Math.round(r.dominantHz * 10) / 10,
    };
    this.#log?.info(heard, 'speaker heard');
    this.#onSecond(heard);
  }
}
