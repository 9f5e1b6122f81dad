// SimulatedDevice: the content side of a simulated NVR, as a LowerBackend (the protocol side is
// gateway/gb28181/lower/). N camera channels with GB-coded IDs and Chinese names, a PTZ head per
// channel with named presets, synthetic recordings, device recording on/off, and media from
// shared looping clips: a main stream and, when sub clips are given, a smaller sub-stream.
import type { PtzCommand } from '../gateway/gb28181/ptz.js';
import type {
  LowerAlarmControl,
  LowerDeviceCommand,
  LowerBackend,
  LowerChannel,
  LowerPosition,
  LowerDeviceInfo,
  LowerDeviceStatus,
  LowerPreset,
  LowerRecord,
  MediaRefusal,
  MediaRequest,
  MediaSource,
  Speaker,
} from '../gateway/gb28181/lower/backend.js';
import type { Logger } from '../gateway/log.js';
import { DEFAULT_TIME_ZONE } from '../gateway/gb28181/gb-date.js';
import type { DeviceControlCommand } from '../gateway/gb28181/manscdp/control.js';
import type { PtzPositionValues } from '../gateway/gb28181/manscdp/ptz-position.js';
import type { Clip } from './clip-loader.js';
import { ClipMediaSource } from './clip-media-source.js';
import { PtzState, type Direction } from './ptz-state.js';
import { generateRecords } from './records.js';
import { SimulatedSpeaker, type HeardSecond, type SpeakerSummary } from './speaker.js';

/** Seconds of 'heard' reports kept per channel (an hour of broadcast). */
const HEARD_KEPT = 3600;
import { routeFix } from './route.js';

export interface SimulatedDeviceOptions {
  /** 20-digit device ID (type 118 NVR conventionally). */
  deviceId: string;
  /** Number of camera channels. Default 4. */
  channels?: number;
  /** Clips to loop; channel i plays clips[i % clips.length]. Shared, never copied. */
  clips: readonly Clip[];
  /** Sub-stream clips (smaller pictures), picked like `clips`; none: the camera has no sub-stream. */
  subClips?: readonly Clip[];
  /** Presets every channel starts with (PresetQuery answers their names). */
  presets?: readonly LowerPreset[];
  manufacturer?: string;
  model?: string;
  firmware?: string;
  /** Put a raw '&' into channel names, as Hikvision does (docs/gb28181.md §11 quirk 2). */
  ampersandInNames?: boolean;
  /** Device-local zone for recordings. Default Asia/Shanghai. */
  timeZone?: string;
  /** Streams one channel serves at once before answering 486 Busy Here. Default 8. */
  maxStreamsPerChannel?: number;
  /** Clock for PTZ motion and recordings (tests pass a fake). Default Date.now. */
  now?: () => number;
  /** Where the speaker reports what it heard. */
  log?: Logger;
  /** Channels drive around a loop (MobilePosition reports); false: no positions. Default true. */
  moving?: boolean;
}

/** The device's alarm input (type 134, docs/gb28181.md §3.4): where alarm-input alarms come from. */
export function alarmInputIdOf(deviceId: string): string {
  return `${deviceId.slice(0, 10)}134${deviceId[13] ?? '0'}${deviceId.slice(14)}`;
}

/**
 * Channel IDs from the device ID: same centre and industry digits, type 131 (camera), same network
 * digit, and a serial unique across a fleet whose device serials are consecutive.
 */
export function channelIdOf(deviceId: string, index: number, channelsPerDevice: number): string {
  const deviceSerial = Number(deviceId.slice(14)) || 1;
  const serial = (((deviceSerial - 1) * channelsPerDevice + index + 1) % 1_000_000)
    .toString()
    .padStart(6, '0');
  return `${deviceId.slice(0, 10)}131${deviceId[13] ?? '0'}${serial}`;
}

export class SimulatedDevice implements LowerBackend {
  readonly deviceId: string;
  readonly #o: SimulatedDeviceOptions;
  readonly #channels: LowerChannel[];
  readonly #ptz = new Map<string, PtzState>();
  readonly #open = new Map<string, Set<ClipMediaSource>>();
  readonly #presetNames = new Map<string, Map<number, string>>();
  /** Channels recording on the device (RecordCmd); all of them at start. */
  readonly #recording = new Set<string>();
  /** The last DeviceControl command of each kind per channel, for tests and the demo. */
  readonly controls = new Map<string, DeviceControlCommand>();
  readonly #speakers = new Map<string, SimulatedSpeaker>();
  readonly #heard = new Map<string, HeardSecond[]>();
  readonly #broadcasts: SpeakerSummary[] = [];
  readonly stats = {
    mediaOpened: 0,
    mediaRefused: 0,
    ptzCommands: 0,
    keyframeRequests: 0,
    recordQueries: 0,
    controls: 0,
    broadcastsAccepted: 0,
    broadcastsRefused: 0,
    alarmResets: 0,
  };
  /** GuardCmd state: a disarmed device raises no alarms (simulator/alarm-generator.ts). */
  armed = true;

  constructor(opts: SimulatedDeviceOptions) {
    if (opts.clips.length === 0) {
      throw new Error('SimulatedDevice needs at least one clip');
    }
    this.#o = opts;
    this.deviceId = opts.deviceId;
    const count = opts.channels ?? 4;
    const now = opts.now ?? Date.now;
    this.#channels = Array.from({ length: count }, (_, i) => {
      const channelId = channelIdOf(opts.deviceId, i, count);
      const head = new PtzState(now);
      this.#ptz.set(channelId, head);
      this.#recording.add(channelId);
      const names = new Map<number, string>();
      for (const p of opts.presets ?? []) {
        if (head.setPreset(p.index)) {
          names.set(p.index, p.name);
        }
      }
      this.#presetNames.set(channelId, names);
      return {
        channelId,
        name: `模拟通道${i + 1}${opts.ampersandInNames ? '&IPC' : ''}`,
        manufacturer: opts.manufacturer ?? 'Simulator',
        model: 'IP Camera',
        parentId: opts.deviceId,
        ptzType: 1,
        online: true,
        // Spread the cameras around Hefei (the reference's example coordinates).
        longitude: 117.2272 + i * 0.001,
        latitude: 31.8206 + (Number(opts.deviceId.slice(-4)) % 100) * 0.001,
      };
    });
  }

  get channelIds(): string[] {
    return this.#channels.map((c) => c.channelId);
  }

  /** The simulated PTZ head of a channel (tests read positions and presets from it). */
  ptzState(channelId: string): PtzState | undefined {
    return this.#ptz.get(channelId);
  }

  /** Media sources currently open on a channel. */
  openStreams(channelId?: string): ClipMediaSource[] {
    if (channelId !== undefined) {
      return [...(this.#open.get(channelId) ?? [])];
    }
    return [...this.#open.values()].flatMap((s) => [...s]);
  }

  deviceInfo(): LowerDeviceInfo {
    return {
      deviceName: `模拟NVR-${this.deviceId.slice(-6)}`,
      manufacturer: this.#o.manufacturer ?? 'Simulator',
      model: this.#o.model ?? 'SIM-NVR',
      firmware: this.#o.firmware ?? '0.1.0',
    };
  }

  deviceStatus(): LowerDeviceStatus {
    return { online: true, ok: true, encode: true, record: this.#recording.size > 0 };
  }

  /** Whether the channel records on the device (RecordCmd Record / StopRecord). */
  isRecording(channelId: string): boolean {
    return this.#recording.has(channelId);
  }

  channels(): readonly LowerChannel[] {
    return this.#channels;
  }

  records(channelId: string, startMs: number, endMs: number): readonly LowerRecord[] {
    this.stats.recordQueries++;
    const channel = this.#channels.find((c) => c.channelId === channelId);
    if (!channel) {
      return [];
    }
    return generateRecords(channelId, channel.name, startMs, endMs, {
      timeZone: this.#o.timeZone ?? DEFAULT_TIME_ZONE,
      ...(this.#o.now ? { now: this.#o.now } : {}),
    });
  }

  ptz(channelId: string, command: PtzCommand): void {
    const head = this.#ptz.get(channelId);
    if (!head) {
      return;
    }
    this.stats.ptzCommands++;
    switch (command.type) {
      case 'stop':
        head.stop();
        return;
      case 'move':
        head.move({
          pan: axis(command.pan, 'right', 'left'),
          tilt: axis(command.tilt, 'up', 'down'),
          zoom: axis(command.zoom, 'in', 'out'),
          panSpeed: command.panSpeed,
          tiltSpeed: command.tiltSpeed,
          zoomSpeed: command.zoomSpeed,
        });
        return;
      case 'preset':
        if (command.action === 'set') {
          head.setPreset(command.index);
        } else if (command.action === 'call') {
          head.callPreset(command.index);
        } else {
          head.deletePreset(command.index);
        }
        return;
      case 'fi':
      case 'cruise-point':
      case 'cruise-speed':
      case 'cruise-dwell':
      case 'cruise-start':
      case 'scan':
      case 'scan-speed':
      case 'aux':
        head.note(command.type); // accepted, not modelled
        return;
    }
  }

  presets(channelId: string): readonly LowerPreset[] {
    const names = this.#presetNames.get(channelId);
    return (this.#ptz.get(channelId)?.presetIndexes ?? []).map((index) => ({
      index,
      name: names?.get(index) ?? `预置点${index}`,
    }));
  }

  /** RecordCmd, HomePosition, DragZoom, PTZPreciseCtrl, TeleBoot (docs/gb28181.md §5.3, §5.4). */
  deviceControl(channelId: string, command: LowerDeviceCommand): boolean {
    this.stats.controls++;
    this.controls.set(`${channelId}:${command.type}`, command);
    const head = this.#ptz.get(channelId);
    switch (command.type) {
      case 'RecordCmd':
        if (!head) {
          return false;
        }
        if (command.action === 'Record') {
          this.#recording.add(channelId);
        } else {
          this.#recording.delete(channelId);
        }
        return true;
      case 'HomePosition':
        return (
          head !== undefined &&
          (!command.enabled ||
            command.presetIndex === undefined ||
            head.presetIndexes.includes(command.presetIndex))
        );
      case 'PTZPrecise':
        head?.moveTo(command);
        return head !== undefined;
      case 'DragZoom':
        head?.note(`drag-zoom-${command.zoom}`);
        return head !== undefined;
      case 'TeleBoot':
        return true;
    }
  }

  /** 2022 PTZPosition: the head's position, and a field of view narrowing with the zoom. */
  ptzPosition(channelId: string): PtzPositionValues | undefined {
    const head = this.#ptz.get(channelId);
    if (!head) {
      return undefined;
    }
    const { pan, tilt, zoom } = head.snapshot();
    return {
      pan,
      tilt,
      zoom,
      horizontalFieldAngle: 60 / zoom,
      verticalFieldAngle: 33.75 / zoom,
      maxViewDistance: 100 * zoom,
    };
  }

  forceKeyframe(channelId: string): void {
    this.stats.keyframeRequests++;
    for (const s of this.#open.get(channelId) ?? []) {
      s.forceKeyframe();
    }
  }

  openMedia(channelId: string, request: MediaRequest): MediaSource | MediaRefusal {
    const index = this.#channels.findIndex((c) => c.channelId === channelId);
    if (index < 0) {
      return this.#refuse(404, 'No Such Channel');
    }
    const open = this.#open.get(channelId) ?? new Set<ClipMediaSource>();
    if (open.size >= (this.#o.maxStreamsPerChannel ?? 8)) {
      return this.#refuse(486, 'Busy Here');
    }
    // The sub-stream when asked for and this camera has one; main for anything else (a camera
    // without the stream asked for serves main and says so, docs/gb28181.md §7.5).
    const sub = this.#o.subClips ?? [];
    const served =
      request.kind !== 'live' ? undefined : request.stream === 'sub' && sub.length > 0 ? 'sub' : 'main';
    const clips = served === 'sub' ? sub : this.#o.clips;
    const clip = clips[index % clips.length];
    const source = new ClipMediaSource(
      clip,
      request,
      () => {
        open.delete(source);
        if (open.size === 0) {
          this.#open.delete(channelId);
        }
      },
      served,
    );
    open.add(source);
    this.#open.set(channelId, open);
    this.stats.mediaOpened++;
    return source;
  }

  /**
   * A voice broadcast to a channel (or the device itself): one speaker per target; a second
   * broadcast while one plays is refused, as a busy device answers ERROR (docs/voice.md §6).
   */
  openSpeaker(targetId: string, sourceId: string): Speaker | MediaRefusal {
    const known = targetId === this.deviceId || this.#channels.some((c) => c.channelId === targetId);
    if (!known || this.#speakers.has(targetId)) {
      this.stats.broadcastsRefused++;
      return { refused: true, status: known ? 486 : 404, reason: known ? 'Busy Here' : 'No Such Channel' };
    }
    this.stats.broadcastsAccepted++;
    const speaker = new SimulatedSpeaker(targetId, sourceId, {
      ...(this.#o.log ? { log: this.#o.log.child({ deviceId: this.deviceId }) } : {}),
      onSecond: (s) => {
        const list = this.#heard.get(targetId) ?? [];
        list.push(s);
        list.splice(0, Math.max(0, list.length - HEARD_KEPT));
        this.#heard.set(targetId, list);
      },
      onClose: (summary) => {
        this.#speakers.delete(targetId);
        this.#broadcasts.push(summary);
        this.#broadcasts.splice(0, Math.max(0, this.#broadcasts.length - 100));
      },
    });
    this.#speakers.set(targetId, speaker);
    return speaker;
  }

  /** What the speaker of `targetId` heard, one entry per second of audio, oldest first. */
  heard(targetId: string): readonly HeardSecond[] {
    return this.#heard.get(targetId) ?? [];
  }

  /** Forgets what was heard (between the steps of a test). */
  clearHeard(targetId?: string): void {
    if (targetId === undefined) {
      this.#heard.clear();
    } else {
      this.#heard.delete(targetId);
    }
  }

  /** Speakers playing now, and the summaries of the last 100 broadcasts that ended. */
  get speakers(): { active: SpeakerSummary[]; ended: readonly SpeakerSummary[] } {
    return { active: [...this.#speakers.values()].map((s) => s.summary), ended: this.#broadcasts };
  }

  /** Where a channel is now on its loop (simulator/route.ts); undefined when not moving or unknown. */
  locate(channelId: string, epochMs: number): { longitude: number; latitude: number } | undefined {
    const i = this.#channels.findIndex((c) => c.channelId === channelId);
    if (i < 0 || this.#o.moving === false) {
      return undefined;
    }
    const c = this.#channels[i];
    return routeFix(
      {
        longitude: c.longitude ?? 117.2272,
        latitude: c.latitude ?? 31.8206,
        phase: i / this.#channels.length,
      },
      epochMs,
    );
  }

  positions(): LowerPosition[] {
    if (this.#o.moving === false) {
      return [];
    }
    const now = (this.#o.now ?? Date.now)();
    return this.#channels.map((c, i) => ({
      channelId: c.channelId,
      timeMs: now,
      altitude: 30,
      ...routeFix(
        {
          longitude: c.longitude ?? 117.2272,
          latitude: c.latitude ?? 31.8206,
          phase: i / this.#channels.length,
        },
        now,
      ),
    }));
  }

  control(_targetId: string, command: LowerAlarmControl): 'OK' {
    if (command.type === 'GuardCmd') {
      this.armed = command.action === 'SetGuard';
    } else {
      this.stats.alarmResets++;
    }
    return 'OK';
  }

  /** Stops every open stream and speaker. Idempotent. */
  close(): void {
    for (const s of this.openStreams()) {
      s.close();
    }
    for (const s of [...this.#speakers.values()]) {
      s.close('device closed');
    }
  }

  #refuse(status: number, reason: string): MediaRefusal {
    this.stats.mediaRefused++;
    return { refused: true, status, reason };
  }
}

function axis<T extends string>(value: T | 'none', positive: T, negative: T): Direction {
  return value === positive ? 1 : value === negative ? -1 : 0;
}
