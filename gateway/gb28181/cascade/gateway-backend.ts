// The gateway as the content of a lower platform (LowerBackend, lower/backend.ts): what we share
// with one upper platform, served from our own devices through our upper role. The simulator's
// SimulatedDevice is the other backend; the protocol side (LowerPlatform) is the same for both.
// Presented IDs are mapped back to our device and channel (shared-catalog.ts); the upper's
// queries and commands are forwarded down, and the answers come back up.
import { isGatewayError, type ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import type {
  LowerAlarmControl,
  LowerBackend,
  LowerChannel,
  LowerPosition,
  LowerDeviceInfo,
  LowerDeviceStatus,
  LowerPreset,
  LowerRecord,
  LowerRecordType,
  MediaRefusal,
  MediaRequest,
  MediaSource,
  Speaker,
} from '../lower/backend.js';
import type { PtzCommand } from '../ptz.js';
import type { LocalGateway } from './local-gateway.js';
import type { SharedCatalog, SharedSource } from './shared-catalog.js';
import { StreamMediaSource, type StreamMediaSourceOptions } from './stream-media-source.js';

export interface GatewayBackendOptions {
  gateway: LocalGateway;
  /** The catalog shared with this upper, resolved now. */
  catalog(): SharedCatalog;
  deviceInfo: LowerDeviceInfo;
  /** The ID we present to this upper (a control addressed to it means all our shared devices). */
  localId: string;
  /** Names the sinks this backend subscribes (`cascade:<upperId>`). */
  label: string;
  log: Logger;
}

/**
 * SIP answers for our own failures (RFC 3261 §21): the device behind us is offline or unknown,
 * did not answer (504 Server Time-out: "a timely response from an external server"), or
 * answered badly (502 Bad Gateway).
 */
const SIP_STATUS: Partial<Record<ErrorCode, number>> = {
  GW_ERR_DEVICE_NOT_FOUND: 404,
  GW_ERR_CHANNEL_NOT_FOUND: 404,
  GW_ERR_DEVICE_OFFLINE: 480,
  GW_ERR_DEVICE_TIMEOUT: 504,
  GW_ERR_DEVICE_REJECTED: 502,
  GW_ERR_PLAY_FAILED: 502,
  GW_ERR_NO_MEDIA_PORT: 503,
};

const RECORD_TYPES: readonly LowerRecordType[] = ['time', 'alarm', 'manual'];

export class GatewayBackend implements LowerBackend {
  readonly #o: GatewayBackendOptions;
  /** Open sources per presented channel ID, for IFameCmd. */
  readonly #open = new Map<string, Set<StreamMediaSource>>();
  readonly stats = {
    mediaOpened: 0,
    mediaRefused: 0,
    ptzForwarded: 0,
    recordQueries: 0,
    broadcastsRelayed: 0,
    controlsForwarded: 0,
  };

  constructor(opts: GatewayBackendOptions) {
    this.#o = opts;
  }

  /** Sources serving the upper right now. */
  get openSources(): number {
    let n = 0;
    for (const set of this.#open.values()) {
      n += set.size;
    }
    return n;
  }

  deviceInfo(): LowerDeviceInfo {
    return this.#o.deviceInfo;
  }

  deviceStatus(): LowerDeviceStatus {
    return { online: true, ok: true, encode: true, record: true };
  }

  channels(): readonly LowerChannel[] {
    return this.#o.catalog().channels;
  }

  async records(channelId: string, startMs: number, endMs: number): Promise<readonly LowerRecord[]> {
    const source = this.#source(channelId);
    if (!source) {
      return [];
    }
    this.stats.recordQueries++;
    let items;
    try {
      items = await this.#o.gateway.queryRecords(
        source.deviceId,
        source.channelId,
        new Date(startMs),
        new Date(endMs),
      );
    } catch (err) {
      // An empty answer now beats the upper's own timeout; the log says why.
      this.#o.log.warn({ err: String(err), channelId }, 'record query for the upper failed');
      return [];
    }
    return items.map((r) => ({
      channelId,
      name: r.name ?? channelId,
      startMs: Date.parse(r.start),
      endMs: Date.parse(r.end),
      type: RECORD_TYPES.find((t) => t === r.type) ?? 'time',
      ...(r.filePath ? { filePath: r.filePath } : {}),
    }));
  }

  async ptz(channelId: string, command: PtzCommand): Promise<void> {
    const source = this.#source(channelId);
    if (!source) {
      return;
    }
    this.stats.ptzForwarded++;
    await this.#o.gateway.ptzCommand(source.deviceId, source.channelId, command);
  }

  /** Preset lists are not queried downward yet: the upper sees none. */
  presets(): readonly LowerPreset[] {
    return [];
  }

  forceKeyframe(channelId: string): void {
    for (const s of this.#open.get(channelId) ?? []) {
      s.forceKeyframe();
    }
  }

  async openMedia(channelId: string, request: MediaRequest): Promise<MediaSource | MediaRefusal> {
    const source = this.#source(channelId);
    if (!source) {
      return this.#refuse(404, 'Not Shared');
    }
    if (request.kind === 'download') {
      return this.#refuse(488, 'Download Not Supported');
    }
    try {
      const media =
        request.kind === 'live'
          ? await this.#live(channelId, source)
          : await this.#playback(channelId, source, request);
      if (!media) {
        return this.#refuse(500, 'Stream Vanished');
      }
      this.stats.mediaOpened++;
      return media;
    } catch (err) {
      const status = isGatewayError(err) ? (SIP_STATUS[err.code] ?? 500) : 500;
      this.#o.log.info({ channelId, err: String(err), status }, 'upper INVITE refused');
      return this.#refuse(status);
    }
  }

  /**
   * The upper's Broadcast to a channel we share (docs/voice.md §8): our own talk toward the
   * device behind it, fed by the audio the upper sends us after our INVITE. Refused when the
   * channel is not shared, voice is off, or our device refuses.
   */
  async openSpeaker(targetId: string): Promise<Speaker | MediaRefusal> {
    const source = this.#source(targetId);
    const relayTalk = this.#o.gateway.relayTalk?.bind(this.#o.gateway);
    if (!source || !relayTalk) {
      return this.#refuse(source ? 488 : 404, source ? 'Voice Unavailable' : 'Not Shared');
    }
    const relay = await relayTalk(source.deviceId, source.channelId);
    if ('refused' in relay) {
      this.#o.log.info({ targetId, reason: relay.refused }, 'upper broadcast refused by our device');
      return this.#refuse(486, 'Device Refused');
    }
    this.stats.broadcastsRelayed++;
    return { write: (frame) => relay.write(frame), close: (reason) => relay.close(reason) };
  }

  async #live(channelId: string, source: SharedSource): Promise<StreamMediaSource | undefined> {
    const { gateway } = this.#o;
    const view = await gateway.startLive(source.deviceId, source.channelId);
    const stream = gateway.stream(view.streamId);
    return stream && this.#openSource(channelId, { stream, kind: 'live' });
  }

  async #playback(
    channelId: string,
    source: SharedSource,
    request: MediaRequest,
  ): Promise<StreamMediaSource | undefined> {
    const { gateway, log } = this.#o;
    if (request.startMs === undefined || request.endMs === undefined) {
      return undefined;
    }
    const view = await gateway.startPlayback(
      source.deviceId,
      source.channelId,
      new Date(request.startMs),
      new Date(request.endMs),
    );
    const stream = gateway.stream(view.streamId);
    if (!stream) {
      return undefined;
    }
    const control = (c: Parameters<LocalGateway['controlPlayback']>[1]) =>
      void gateway.controlPlayback(view.streamId, c).catch((err: unknown) => {
        log.info(
          { streamId: view.streamId, control: c, err: String(err) },
          'playback control for the upper failed',
        );
      });
    if (request.scale !== 1) {
      control({ action: 'scale', scale: request.scale });
    }
    return this.#openSource(channelId, {
      stream,
      kind: 'playback',
      controls: {
        pause: () => control({ action: 'pause' }),
        resume: () => control({ action: 'resume' }),
        seek: (position) => control({ action: 'seek', position }),
        setScale: (scale) => control({ action: 'scale', scale }),
      },
      // This playback exists for the upper alone: end it with the upper's dialog.
      onClose: () => void gateway.stopStream(view.streamId).catch(() => undefined),
    });
  }

  /** A source over `stream`, remembered until it closes (for IFameCmd and the open count). */
  #openSource(channelId: string, o: Omit<StreamMediaSourceOptions, 'id'>): StreamMediaSource {
    const set = this.#open.get(channelId) ?? new Set<StreamMediaSource>();
    this.#open.set(channelId, set);
    const source = new StreamMediaSource({
      ...o,
      id: `${this.#o.label}:${channelId}`,
      onClose: () => {
        set.delete(source);
        if (set.size === 0 && this.#open.get(channelId) === set) {
          this.#open.delete(channelId);
        }
        o.onClose?.();
      },
    });
    set.add(source);
    return source;
  }

  /** The newest position of each shared channel, under the ID the upper knows it by. */
  positions(): LowerPosition[] {
    const gateway = this.#o.gateway;
    if (!gateway.latestPosition) {
      return [];
    }
    const out: LowerPosition[] = [];
    for (const [channelId, source] of this.#o.catalog().sources) {
      const p = gateway.latestPosition(source.deviceId, source.channelId);
      if (p) {
        out.push({ ...p, channelId });
      }
    }
    return out;
  }

  /**
   * The upper's GuardCmd/AlarmCmd (docs/gb28181.md §5.3), forwarded down: to the device behind a
   * shared channel, or to every device we share when it names our own ID. ERROR when nothing
   * shared answers to that ID or a device refused.
   */
  async control(targetId: string, command: LowerAlarmControl): Promise<'OK' | 'ERROR'> {
    const gateway = this.#o.gateway;
    if (!gateway.deviceControl) {
      return 'ERROR';
    }
    const sources = this.#o.catalog().sources;
    const single = sources.get(targetId);
    const targets: SharedSource[] = single
      ? [single]
      : targetId === this.#o.localId
        ? [
            ...new Map(
              [...sources.values()].map((s) => [s.deviceId, { deviceId: s.deviceId, channelId: s.deviceId }]),
            ).values(),
          ]
        : [];
    if (targets.length === 0) {
      return 'ERROR';
    }
    let ok = true;
    for (const t of targets) {
      this.stats.controlsForwarded++;
      try {
        await gateway.deviceControl(t.deviceId, t.channelId, command);
      } catch (err) {
        ok = false;
        this.#o.log.info(
          { targetId, deviceId: t.deviceId, err: String(err) },
          'control for the upper failed',
        );
      }
    }
    return ok ? 'OK' : 'ERROR';
  }

  #source(channelId: string): SharedSource | undefined {
    return this.#o.catalog().sources.get(channelId);
  }

  #refuse(status: number, reason?: string): MediaRefusal {
    this.stats.mediaRefused++;
    return { refused: true, status, ...(reason ? { reason } : {}) };
  }
}
