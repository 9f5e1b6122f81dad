// Voice broadcast and talk (docs/voice.md): the VoiceServices the HTTP API drives. A talk is a
// source (a browser over WHIP, a clip, an upper platform's relayed audio) and the device channels
// it is broadcast to; each channel is a BroadcastTarget (signalling, broadcast-target.ts) with a
// device leg (media, gateway/talk/). Talk mode also starts the channel's live stream, whose G.711
// carries the answer back to the operator's page.
import { randomBytes } from 'node:crypto';
import { GatewayError } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import type { SipUserAgent } from '../../../sip/index.js';
import type { DeviceStore } from '../../../store/device-store.js';
import type { VoiceStore } from '../../../store/voice-store.js';
import type { AudioFrame } from '../../../talk/audio-frame.js';
import { clipFrames } from '../../../talk/clip.js';
import type { TalkMedia } from '../../../talk/talk-media.js';
import type {
  StartTalkRequest,
  TalkChannel,
  TalkFailure,
  TalkMode,
  TalkView,
  VoiceServices,
} from '../../../views/voice.js';
import type { DeviceMessenger } from '../device-messenger.js';
import type { DeviceSessions } from '../device-sessions.js';
import { BroadcastTarget, type BroadcastTimeouts } from './broadcast-target.js';
import type { Broadcasts } from './broadcasts.js';
import { TalkRecord } from './talk-record.js';

/** A talk toward one device channel fed by someone else's audio (the cascade). */
export interface AudioRelay {
  write(frame: AudioFrame): void;
  close(reason: string): void;
}

/** What the composition root gives the upper platform for voice (the rest is the platform's). */
export interface UpperVoiceOptions {
  media: TalkMedia;
  voiceStore: VoiceStore;
  /** Default: Response 5 s, INVITE 8 s (the no-INVITE diagnosis within 10 s), ACK 32 s, TCP connect 10 s. */
  timeouts?: Partial<BroadcastTimeouts>;
  /** A WHIP talk nobody publishes to ends after this. Default 30 000 ms. */
  publisherWaitMs?: number;
  hooks?: {
    talkStarted?(mode: TalkMode): void;
    talkEnded?(mode: TalkMode): void;
    failure?(failure: TalkFailure): void;
  };
}

export interface VoiceServiceOptions extends UpperVoiceOptions {
  ua: SipUserAgent;
  messenger: DeviceMessenger;
  sessions: DeviceSessions;
  store: DeviceStore;
  broadcasts: Broadcasts;
  gatewayId: string;
  log: Logger;
  /** Throws the API error when the device is unknown or offline or has no such channel. */
  checkChannel(deviceId: string, channelId: string): void;
  /** Talk mode: the channel's live stream (its audio is the answer). */
  startLive(deviceId: string, channelId: string): Promise<{ streamId: string }>;
}

const DEFAULT_TIMEOUTS: BroadcastTimeouts = {
  responseMs: 5_000,
  inviteMs: 8_000,
  ackMs: 32_000,
  connectMs: 10_000,
};

/** Talks kept for GET after they ended, so a failure can still be read. */
const ENDED_KEPT = 100;
/** At most this many channels in one talk. */
export const MAX_TALK_TARGETS = 64;

export class VoiceService implements VoiceServices {
  readonly #o: VoiceServiceOptions;
  readonly #timeouts: BroadcastTimeouts;
  readonly #talks = new Map<string, TalkRecord>();
  readonly #ended = new Map<string, TalkRecord>();
  #sn = 100_000 + Math.floor(Math.random() * 800_000);
  #sourceSerial = Math.floor(Math.random() * 1_000_000);

  constructor(opts: VoiceServiceOptions) {
    this.#o = opts;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  }

  /** The talk a WHIP request names (the WHIP router's resolveTalk). */
  whipTalk(talkId: string): TalkRecord | undefined {
    const t = this.#talks.get(talkId);
    return t?.source === 'whip' && !t.ended ? t : undefined;
  }

  get activeCount(): { broadcast: number; talk: number } {
    const out = { broadcast: 0, talk: 0 };
    for (const t of this.#talks.values()) {
      out[t.mode]++;
    }
    return out;
  }

  async startTalk(request: StartTalkRequest): Promise<TalkView> {
    const targets = this.#dedupe(request.targets);
    if (targets.length === 0) {
      throw new GatewayError('GW_ERR_BAD_REQUEST', 'a talk needs at least one channel');
    }
    if (targets.length > MAX_TALK_TARGETS) {
      throw new GatewayError('GW_ERR_BAD_REQUEST', `a talk reaches at most ${MAX_TALK_TARGETS} channels`);
    }
    if (targets.length === 1) {
      this.#o.checkChannel(targets[0].deviceId, targets[0].channelId);
    }
    const talk = this.#create(request.mode, 'whip');
    await this.#startTargets(talk, targets, 'live');
    if (talk.ended) {
      throw this.#failed(talk);
    }
    if (request.mode === 'talk') {
      const first = targets[0];
      try {
        talk.listenStreamId = (await this.#o.startLive(first.deviceId, first.channelId)).streamId;
      } catch (err) {
        // The talk still speaks; the page only hears nothing back. Say so in the diagnosis.
        talk.targets[0]?.diagnosis.add('listen-failed', (err as Error).message);
      }
    }
    return talk.view();
  }

  channelsBelow(directoryId: string): TalkChannel[] {
    const out: TalkChannel[] = [];
    for (const device of this.#o.store.listDevices()) {
      const channels = this.#o.store.listChannels(device.deviceId);
      const parentOf = new Map<string, string[]>();
      for (const c of channels) {
        parentOf.set(
          c.channelId,
          [c.parentId, c.businessGroupId].filter((p): p is string => p !== null),
        );
      }
      const below = (id: string): boolean => {
        // Walk up parents (bounded: catalogs can hold loops) until the directory or the device.
        const seen = new Set<string>();
        const queue = [id];
        while (queue.length > 0 && seen.size < 64) {
          const next = queue.shift()!;
          if (next === directoryId) {
            return true;
          }
          if (!seen.has(next)) {
            seen.add(next);
            queue.push(...(parentOf.get(next) ?? []));
          }
        }
        return false;
      };
      for (const c of channels) {
        if (!c.parental && (device.deviceId === directoryId || below(c.channelId))) {
          out.push({ deviceId: device.deviceId, channelId: c.channelId });
        }
      }
    }
    return out;
  }

  async broadcastClip(
    target: TalkChannel,
    clip: { contentType: string; body: Uint8Array },
    signal?: AbortSignal,
  ): Promise<{ talkId: string; seconds: number }> {
    const decoded = clipFrames(clip.body, clip.contentType);
    if (!decoded.ok) {
      throw new GatewayError('GW_ERR_AUDIO_FORMAT', decoded.detail);
    }
    this.#o.checkChannel(target.deviceId, target.channelId);
    const talk = this.#create('broadcast', 'clip');
    talk.law = decoded.law;
    const abort = () => talk.end('the API client went away');
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await this.#startTargets(talk, [target], 'clip');
      const t = talk.targets[0];
      // The device INVITEs after its Response: wait for the leg, then for a TCP device to connect.
      await this.#until(talk, () => t.leg !== undefined || t.done, this.#timeouts.inviteMs + 1000);
      const leg = t.leg;
      if (!leg || t.done) {
        talk.end(t.diagnosis.error ?? 'the device never took the clip');
        throw this.#failed(talk);
      }
      await Promise.race([leg.whenConnected(), talk.whenEnded()]);
      if (talk.ended) {
        throw this.#failed(talk);
      }
      for (const payload of decoded.frames) {
        talk.write({ law: decoded.law, payload });
      }
      // Real time: the pacer sends one frame per 20 ms; done when the last one left.
      await Promise.race([leg.drained(), talk.whenEnded()]);
      if (talk.ended && t.state === 'failed') {
        throw this.#failed(talk);
      }
      talk.end('the clip has been played');
      return { talkId: talk.talkId, seconds: Math.round(decoded.seconds * 1000) / 1000 };
    } finally {
      signal?.removeEventListener('abort', abort);
      talk.end('the clip request ended');
    }
  }

  /**
   * The cascade: an upper platform's broadcast to a channel we share (docs/voice.md §8). Resolves
   * once our device answered its own Broadcast; its audio INVITE follows in the background.
   */
  async relay(deviceId: string, channelId: string): Promise<AudioRelay | { refused: string }> {
    try {
      this.#o.checkChannel(deviceId, channelId);
    } catch (err) {
      return { refused: (err as Error).message };
    }
    const talk = this.#create('broadcast', 'cascade');
    await this.#startTargets(talk, [{ deviceId, channelId }], 'live');
    if (talk.ended) {
      return { refused: talk.targets[0]?.diagnosis.error ?? 'the device refused the broadcast' };
    }
    return {
      write: (frame) => talk.write(frame),
      close: (reason) => talk.end(`the upper platform ended the broadcast (${reason})`),
    };
  }

  listTalks(): TalkView[] {
    return [...this.#talks.values()].map((t) => t.view());
  }

  getTalk(talkId: string): TalkView | undefined {
    return (this.#talks.get(talkId) ?? this.#ended.get(talkId))?.view();
  }

  stopTalk(talkId: string): void {
    const talk = this.#talks.get(talkId);
    if (!talk) {
      throw new GatewayError('GW_ERR_TALK_NOT_FOUND', `no active talk ${talkId}`);
    }
    talk.end('stopped through the API');
  }

  /** Every talk ends (shutdown). */
  closeAll(reason: string): void {
    for (const t of [...this.#talks.values()]) {
      t.end(reason);
    }
  }

  #create(mode: TalkMode, source: TalkRecord['source']): TalkRecord {
    const talk = new TalkRecord({
      talkId: `talk-${randomBytes(6).toString('hex')}`,
      mode,
      source,
      sourceId: this.#nextSourceId(),
      publisherWaitMs: this.#o.publisherWaitMs ?? 30_000,
      onEnded: (t) => {
        this.#talks.delete(t.talkId);
        this.#ended.set(t.talkId, t);
        if (this.#ended.size > ENDED_KEPT) {
          this.#ended.delete(this.#ended.keys().next().value!);
        }
        for (const target of t.targets) {
          this.#o.broadcasts.remove(target);
        }
        this.#o.log.info({ talkId: t.talkId, reason: t.view().reason, state: t.view().state }, 'talk ended');
        this.#o.hooks?.talkEnded?.(t.mode);
      },
    });
    this.#talks.set(talk.talkId, talk);
    this.#o.hooks?.talkStarted?.(mode);
    this.#o.log.info({ talkId: talk.talkId, mode, source }, 'talk started');
    return talk;
  }

  async #startTargets(talk: TalkRecord, channels: TalkChannel[], source: 'live' | 'clip'): Promise<void> {
    for (const c of channels) {
      const target = new BroadcastTarget(
        {
          talkId: talk.talkId,
          deviceId: c.deviceId,
          channelId: c.channelId,
          talkSourceId: talk.sourceId,
          source,
          onStreaming: (t, leg) => talk.streaming(t, leg),
          onEnded: (t) => talk.targetEnded(t),
        },
        {
          ua: this.#o.ua,
          messenger: this.#o.messenger,
          sessions: this.#o.sessions,
          voiceStore: this.#o.voiceStore,
          media: this.#o.media,
          gatewayId: this.#o.gatewayId,
          timeouts: this.#timeouts,
          log: this.#o.log.child({ talkId: talk.talkId }),
          nextSn: () => this.#nextSn(),
          onFailure: (failure) => this.#o.hooks?.failure?.(failure),
        },
      );
      talk.targets.push(target);
      this.#o.broadcasts.add(target);
    }
    await Promise.all(talk.targets.map((t) => t.start()));
  }

  #failed(talk: TalkRecord): GatewayError {
    const reasons = talk.targets
      .filter((t) => t.diagnosis.error)
      .map((t) => `${t.channelId}: ${t.diagnosis.error}`);
    const offline = talk.targets.length === 1 && talk.targets[0].diagnosis.failure === 'offline';
    return new GatewayError(
      offline ? 'GW_ERR_DEVICE_OFFLINE' : 'GW_ERR_TALK_FAILED',
      `talk ${talk.talkId}: ${reasons.join('; ') || talk.view().reason || 'ended'}`,
    );
  }

  #dedupe(targets: readonly TalkChannel[]): TalkChannel[] {
    const seen = new Set<string>();
    return targets.filter((t) => {
      const key = `${t.deviceId}/${t.channelId}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
  }

  /** Waits, change by change, until `condition` holds, the talk ends, or the time is up. */
  async #until(talk: TalkRecord, condition: () => boolean, timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    let timedOut = false;
    void timeout.then(() => (timedOut = true));
    try {
      while (!condition() && !talk.ended && !timedOut) {
        await Promise.race([talk.changed(), timeout]);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  #nextSn(): string {
    this.#sn = this.#sn >= 999_999 ? 100_000 : this.#sn + 1;
    return String(this.#sn);
  }

  /**
   * A talk's SourceID: our domain and network digits with type code 136 (voice input device,
   * GB/T 28181-2016 Annex D) and a serial, so a device INVITEing it names the talk exactly.
   */
  #nextSourceId(): string {
    this.#sourceSerial = (this.#sourceSerial + 1) % 1_000_000;
    const id = this.#o.gatewayId;
    return `${id.slice(0, 10)}136${id[13] ?? '0'}${String(this.#sourceSerial).padStart(6, '0')}`;
  }
}
