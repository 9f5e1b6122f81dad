// Simulated alarms (docs/events.md §9): the kinds a camera or NVR raises, as GB/T 28181 AlarmMethod
// and AlarmType (docs/gb28181.md §9), and a timer that raises them at a configured rate. Video
// loss, tamper and alarm input are device alarms (method 2); motion and intrusion are video
// analytics (method 5).
import type { LowerAlarm } from '../gateway/gb28181/lower/backend.js';
import { seededRandom } from './deterministic.js';

export type SimAlarmKind = 'video-loss' | 'motion' | 'intrusion' | 'tamper' | 'alarm-input';
export const SIM_ALARM_KINDS: readonly SimAlarmKind[] = [
  'video-loss',
  'motion',
  'intrusion',
  'tamper',
  'alarm-input',
];

export const isSimAlarmKind = (s: string): s is SimAlarmKind =>
  (SIM_ALARM_KINDS as readonly string[]).includes(s);

/** What each kind is on the wire. Alarm input has no AlarmType of its own in the 2016 tables. */
export const ALARM_KINDS: Record<
  SimAlarmKind,
  { method: number; type?: number; priority: number; description: string }
> = {
  'video-loss': { method: 2, type: 1, priority: 2, description: '视频丢失' },
  tamper: { method: 2, type: 2, priority: 2, description: '防拆报警' },
  'alarm-input': { method: 2, priority: 1, description: '报警输入' },
  motion: { method: 5, type: 2, priority: 4, description: '移动侦测' },
  intrusion: { method: 5, type: 6, priority: 3, description: '区域入侵' },
};

export interface AlarmGeneratorOptions {
  /** Alarms per minute; 0 for none. */
  ratePerMin: number;
  kinds: readonly SimAlarmKind[];
  /** Channels alarms come from; alarm-input alarms come from `alarmInputId`. */
  channelIds: readonly string[];
  alarmInputId: string;
  /** Where a channel is (alarms carry its coordinates). */
  locate?(channelId: string, epochMs: number): { longitude: number; latitude: number } | undefined;
  /** The first alarm comes this long after start. Default 3000 ms. */
  firstAfterMs?: number;
  seed?: number;
  now?: () => number;
  raise(alarm: LowerAlarm): void;
  /** Checked before each alarm: a disarmed device (ResetGuard) raises none. */
  armed?(): boolean;
}

export class AlarmGenerator {
  readonly #o: AlarmGeneratorOptions;
  readonly #random: () => number;
  #timer: NodeJS.Timeout | undefined;
  raised = 0;

  constructor(opts: AlarmGeneratorOptions) {
    this.#o = opts;
    this.#random = seededRandom(opts.seed ?? 7);
  }

  start(): void {
    if (this.#timer || this.#o.ratePerMin <= 0 || this.#o.kinds.length === 0) {
      return;
    }
    this.#schedule(this.#o.firstAfterMs ?? 3000);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** One alarm now, of a random configured kind. */
  next(): LowerAlarm {
    const o = this.#o;
    const kind = o.kinds[Math.floor(this.#random() * o.kinds.length)];
    const spec = ALARM_KINDS[kind];
    const sourceId =
      kind === 'alarm-input'
        ? o.alarmInputId
        : o.channelIds[Math.floor(this.#random() * o.channelIds.length)];
    const timeMs = (o.now ?? Date.now)();
    const at = kind === 'alarm-input' ? undefined : o.locate?.(sourceId, timeMs);
    return {
      sourceId,
      priority: spec.priority,
      method: spec.method,
      ...(spec.type !== undefined ? { type: spec.type } : {}),
      timeMs,
      description: spec.description,
      ...(at ? { longitude: at.longitude, latitude: at.latitude } : {}),
    };
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      if (this.#o.armed?.() ?? true) {
        this.raised++;
        this.#o.raise(this.next());
      }
      // Mean interval 60/rate s, spread ±50 % so several devices do not fire in step.
      const mean = 60_000 / this.#o.ratePerMin;
      this.#schedule(mean * (0.5 + this.#random()));
    }, delayMs);
    this.#timer.unref();
  }
}
