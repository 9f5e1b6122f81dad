// The simulated camera head: pan/tilt/zoom positions moved by PTZCmd directions at the commanded
// speeds (docs/gb28181.md §5.2: motion continues until a stop), plus stored presets. Positions are
// integrated lazily from a clock, so there is no timer per camera and tests can use a fake clock.

/** -1, 0 or +1 along an axis: pan left/right, tilt down/up, zoom out/in. */
export type Direction = -1 | 0 | 1;

export interface PtzMotion {
  pan: Direction;
  tilt: Direction;
  zoom: Direction;
  /** PTZCmd byte 5, 0-255. */
  panSpeed: number;
  /** PTZCmd byte 6, 0-255. */
  tiltSpeed: number;
  /** PTZCmd byte 7 high nibble, 0-15. */
  zoomSpeed: number;
}

export interface PtzPosition {
  /** Degrees, wrapping in [0, 360). */
  pan: number;
  /** Degrees, clamped to [-90, 90]. */
  tilt: number;
  /** Optical zoom factor, clamped to [1, 30]. */
  zoom: number;
}

export interface PtzSnapshot extends PtzPosition {
  moving: boolean;
  motion: PtzMotion;
  presets: ReadonlyMap<number, PtzPosition>;
  /** Commands seen, by kind ('move', 'stop', 'preset-set', …), for tests. */
  counts: Readonly<Record<string, number>>;
}

/** Degrees per second at speed 255 (a typical dome's fast pan). */
const MAX_PAN_DEG_PER_SEC = 120;
const MAX_TILT_DEG_PER_SEC = 60;
/** Zoom factor per second at zoom speed 15. */
const MAX_ZOOM_PER_SEC = 10;
const STILL: PtzMotion = { pan: 0, tilt: 0, zoom: 0, panSpeed: 0, tiltSpeed: 0, zoomSpeed: 0 };

export class PtzState {
  #position: PtzPosition = { pan: 0, tilt: 0, zoom: 1 };
  #motion: PtzMotion = STILL;
  #since: number;
  readonly #presets = new Map<number, PtzPosition>();
  readonly #counts: Record<string, number> = {};

  constructor(private readonly now: () => number = Date.now) {
    this.#since = now();
  }

  /** Start (or change) continuous motion; all-zero directions are a stop. */
  move(motion: PtzMotion): void {
    this.#count(motion.pan === 0 && motion.tilt === 0 && motion.zoom === 0 ? 'stop' : 'move');
    this.#settle();
    this.#motion = { ...motion };
  }

  /** PTZ stop (also stops cruise and scan, docs/gb28181.md §5.2). */
  stop(): void {
    this.move(STILL);
  }

  /** Preset numbers are 1-255; others are ignored and return false. */
  setPreset(index: number): boolean {
    this.#count('preset-set');
    if (!isPresetIndex(index)) {
      return false;
    }
    this.#settle();
    this.#presets.set(index, { ...this.#position });
    return true;
  }

  /** Jump to a stored preset (a real dome slews; the simulated one arrives at once). */
  callPreset(index: number): boolean {
    this.#count('preset-call');
    const p = this.#presets.get(index);
    if (!p) {
      return false;
    }
    this.#settle();
    this.#motion = STILL;
    this.#position = { ...p };
    return true;
  }

  deletePreset(index: number): boolean {
    this.#count('preset-delete');
    return this.#presets.delete(index);
  }

  /** 2022 PTZPreciseCtrl: go to an absolute position (an axis left out stays). */
  moveTo(target: Partial<PtzPosition>): void {
    this.#count('precise');
    this.#settle();
    this.#motion = STILL;
    const p = this.#position;
    this.#position = {
      pan: target.pan === undefined ? p.pan : ((target.pan % 360) + 360) % 360,
      tilt: target.tilt === undefined ? p.tilt : clamp(target.tilt, -90, 90),
      zoom: target.zoom === undefined ? p.zoom : clamp(target.zoom, 1, 30),
    };
  }

  /** Count a command the head accepts but does not model (focus, iris, cruise, scan, aux). */
  note(kind: string): void {
    this.#count(kind);
  }

  get presetIndexes(): number[] {
    return [...this.#presets.keys()].sort((a, b) => a - b);
  }

  snapshot(): PtzSnapshot {
    this.#settle();
    const m = this.#motion;
    return {
      ...this.#position,
      moving: m.pan !== 0 || m.tilt !== 0 || m.zoom !== 0,
      motion: { ...m },
      presets: new Map(this.#presets),
      counts: { ...this.#counts },
    };
  }

  /** Fold the motion since the last change into the position. */
  #settle(): void {
    const t = this.now();
    const dt = Math.max(0, t - this.#since) / 1000;
    this.#since = t;
    const m = this.#motion;
    if (dt === 0 || (m.pan === 0 && m.tilt === 0 && m.zoom === 0)) {
      return;
    }
    const p = this.#position;
    const pan = p.pan + m.pan * (m.panSpeed / 255) * MAX_PAN_DEG_PER_SEC * dt;
    this.#position = {
      pan: ((pan % 360) + 360) % 360,
      tilt: clamp(p.tilt + m.tilt * (m.tiltSpeed / 255) * MAX_TILT_DEG_PER_SEC * dt, -90, 90),
      zoom: clamp(p.zoom + m.zoom * (m.zoomSpeed / 15) * MAX_ZOOM_PER_SEC * dt, 1, 30),
    };
  }

  #count(kind: string): void {
    this.#counts[kind] = (this.#counts[kind] ?? 0) + 1;
  }
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
const isPresetIndex = (i: number): boolean => Number.isInteger(i) && i >= 1 && i <= 255;
