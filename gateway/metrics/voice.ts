// Voice metrics (docs/voice.md §9), registered into the gateway's prom-client registry beside
// the core ones (gateway/metrics.ts): talks active and started, target failures by reason,
// audio packets and bytes sent to devices by payload form. Every labelled counter starts at 0
// for each label value known in advance, so a dashboard sees 0 rather than no series.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { TalkFailure, TalkMode } from '../views/voice.js';

export const TALK_FAILURES: readonly TalkFailure[] = [
  'offline',
  'notify-rejected',
  'refused',
  'no-invite',
  'bad-offer',
  'media',
  'no-ack',
];
const MODES: readonly TalkMode[] = ['broadcast', 'talk'];
const FORMS = ['rtp', 'ps'] as const;

export class VoiceMetrics {
  readonly #started: Counter<'mode'>;
  readonly #failures: Counter<'reason'>;
  readonly #packets: Counter<'form'>;
  readonly #bytes: Counter<'form'>;

  constructor(registry: Registry, active: () => Record<TalkMode, number>, prefix = 'gb_') {
    const registers = [registry];
    new Gauge({
      name: `${prefix}talk_sessions_active`,
      help: 'Voice sessions (talks) in progress by mode',
      labelNames: ['mode'],
      registers,
      collect() {
        const a = active();
        for (const mode of MODES) {
          this.set({ mode }, a[mode]);
        }
      },
    });
    this.#started = new Counter({
      name: `${prefix}talk_sessions_total`,
      help: 'Voice sessions (talks) started by mode',
      labelNames: ['mode'],
      registers,
    });
    this.#failures = new Counter({
      name: `${prefix}talk_failures_total`,
      help: 'Broadcast targets (device channels of a talk) that failed, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.#packets = new Counter({
      name: `${prefix}talk_audio_packets_sent_total`,
      help: 'RTP packets of talk audio sent to devices, by payload form (rtp: raw G.711, ps: G.711 in PS)',
      labelNames: ['form'],
      registers,
    });
    this.#bytes = new Counter({
      name: `${prefix}talk_audio_bytes_sent_total`,
      help: 'Bytes of talk audio RTP sent to devices, by payload form',
      labelNames: ['form'],
      registers,
    });
    for (const mode of MODES) {
      this.#started.inc({ mode }, 0);
    }
    for (const reason of TALK_FAILURES) {
      this.#failures.inc({ reason }, 0);
    }
    for (const form of FORMS) {
      this.#packets.inc({ form }, 0);
      this.#bytes.inc({ form }, 0);
    }
  }

  talkStarted(mode: TalkMode): void {
    this.#started.inc({ mode });
  }

  failure(reason: TalkFailure): void {
    this.#failures.inc({ reason });
  }

  packet(form: 'rtp' | 'ps', bytes: number): void {
    this.#packets.inc({ form });
    this.#bytes.inc({ form }, bytes);
  }
}
