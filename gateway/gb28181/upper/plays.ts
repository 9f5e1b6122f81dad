// The play side of the upper platform (docs/gb28181.md §7, §8): live and playback INVITEs, each an
// ActivePlay keyed by stream ID, the stream views and diagnoses the API reads, playback control,
// stops, the device's BYE and in-dialog MESSAGEs, and replays under the same ID.
import type { ServerTransaction, SipRequest, SipUserAgent } from '../../sip/index.js';
import { dialogIdOfRequest } from '../../sip/index.js';
import type { Logger } from '../../log.js';
import { GatewayError } from '../../errors.js';
import { liveStreamId } from '../../live-stream-id.js';
import type { DeviceRecord, DeviceStore, MediaTransportName } from '../../store/device-store.js';
import { dialectsOf, type LiveStream } from '../../device-settings.js';
import { Stream } from '../../hub/stream.js';
import type { StreamRegistry } from '../../hub/stream-registry.js';
import type { Diagnosis, PlaybackControl, StreamView } from '../../views/services.js';
import type { ManscdpMessage } from '../manscdp/codec.js';
import { epochSecondsToGbTime } from '../gb-date.js';
import { SsrcAllocator } from '../ssrc.js';
import type { DeviceSessions } from './device-sessions.js';
import { PlaySession, type PlayKind, type PlaySessionDeps } from './play-session.js';
import type { MediaNodeClient } from '../../media-plane/media-node-client.js';
import type { PlayDiagnosis } from './play-diagnosis.js';
import type { PlayDialogStore } from '../../store/dialog-store.js';
import { playIdentityOf, streamViewOf, type ActivePlay, type PlayIdentity } from './active-play.js';

export interface PlaysOptions {
  ua: SipUserAgent;
  store: DeviceStore;
  sessions: DeviceSessions;
  streams: StreamRegistry;
  log: Logger;
  realm: string;
  timeZone: string;
  idleStopMs: number;
  noMediaTimeoutMs: number;
  /** A live stream silent this long is stalled: its viewers are told (hub/stream.ts). 0 = off. */
  stallTimeoutMs?: number;
  defaultMediaTransport: MediaTransportName;
  firstMediaTimeoutMs?: number;
  media: MediaNodeClient;
  onStreamCreated(stream: Stream, view: () => StreamView): void;
  /** Undefined when nobody counts viewers (tests). */
  viewersOf(streamId: string): { webrtc: number; hls: number } | undefined;
  onIngestStats?: PlaySessionDeps['onIngestStats'];
  onFirstKeyframe?(kind: PlayKind, seconds: number): void;
  /** Throws the API error when the device is not online or has no such channel. */
  checkChannel(deviceId: string, channelId: string): void;
  /** Where each play's dialog is kept while it lasts (a restart after a crash ends it). */
  dialogs?: PlayDialogStore;
  /** Resolves when the channel's dialogs orphaned by our last crash have had their BYE. */
  orphansSettled?(deviceId: string, channelId: string): Promise<void>;
  requestKeyframe(deviceId: string, channelId: string): void;
}

/** The diagnosis cause of a play closed because its device restarted. */
export const DEVICE_RESTARTED =
  'the device re-registered with a new Call-ID (it restarted): its dialog is gone';

export class Plays {
  readonly #o: PlaysOptions;
  readonly #ssrc: SsrcAllocator;
  readonly #plays = new Map<string, ActivePlay>();
  /** Kept after a stream ends, so a failed play can still be diagnosed. */
  readonly #diagnoses = new Map<string, PlayDiagnosis>();
  /** Devices whose last stream closed for want of media, and when (mediaSilent). */
  readonly #mediaLostAt = new Map<string, number>();
  #playbackSeq = 0;

  constructor(opts: PlaysOptions) {
    this.#o = opts;
    this.#ssrc = new SsrcAllocator(opts.realm);
  }

  get size(): number {
    return this.#plays.size;
  }

  /**
   * Whether everything the device sends on its streams has stopped, a sign that the device itself
   * is gone (issue #20 point 5): it has streams and every one is stalled, or its last stream
   * closed for want of media and the device has sent nothing since (`lastSeenAt`). A stream still
   * starting, or with media, says the device is alive.
   */
  mediaSilent(deviceId: string, lastSeenAt: number): boolean {
    let plays = 0;
    for (const play of this.#plays.values()) {
      if (play.deviceId === deviceId) {
        plays++;
        if (!play.stream.info.stalled) {
          return false;
        }
      }
    }
    return plays > 0 || (this.#mediaLostAt.get(deviceId) ?? -Infinity) >= lastSeenAt;
  }

  /** Closes every play of the device (it went offline). */
  closeDevice(deviceId: string, cause: string): void {
    this.#mediaLostAt.delete(deviceId);
    for (const [id, play] of this.#plays) {
      if (play.deviceId === deviceId) {
        play.stream.close(cause);
        this.#plays.delete(id);
      }
    }
  }

  /**
   * The device registered under a new Call-ID at `sinceMs` (DeviceSessions 'restarted'). After a
   * restart its dialogs are gone and no media comes on them again, so each play that has had no
   * media since then is closed, with the restart as the diagnosis, instead of waiting for the
   * no-media timeout; the close still sends a BYE in the old dialog without waiting for it (a
   * restarted device answers 481 or nothing). A play whose media still flows belongs to a device
   * that only changed its Call-ID (some firmware does on refresh, against RFC 3261 §10.2.4): it is
   * kept. `reinvite` are the closed live plays someone was watching, for the caller to invite again.
   */
  closeForRestart(
    deviceId: string,
    detail: string,
    sinceMs: number,
  ): { reinvite: PlayIdentity[]; closed: number; kept: number } {
    const watched: PlayIdentity[] = [];
    let closed = 0;
    let kept = 0;
    for (const [id, play] of [...this.#plays]) {
      if (play.deviceId !== deviceId) {
        continue;
      }
      const lastMediaMs = play.stream.info.lastMediaAt?.getTime() ?? 0;
      if (lastMediaMs >= sinceMs) {
        play.session.diagnosis.add('call-id-changed', `${detail}; media still flows, so not a restart`);
        kept++;
        continue;
      }
      if (play.kind === 'live' && this.#watched(id, play)) {
        watched.push(playIdentityOf(id, play));
      }
      play.session.diagnosis.add('device-restarted', detail);
      play.session.diagnosis.fail(DEVICE_RESTARTED);
      play.stream.close('device-restarted');
      closed++;
    }
    return { reinvite: watched, closed, kept };
  }

  /** Viewers on the hub here (WHEP, tests), HLS clients, or a remote media node's viewers. */
  #watched(streamId: string, play: ActivePlay): boolean {
    const v = streamViewOf(streamId, play, this.#o.viewersOf(streamId)).viewers;
    return play.stream.info.viewers > 0 || v.webrtc + v.hls > 0;
  }

  closeAll(cause: string): void {
    for (const play of this.#plays.values()) {
      play.stream.close(cause);
    }
    this.#plays.clear();
  }

  /** The device's BYE: 200 for one of our dialogs (no BYE back), 481 otherwise. */
  handleBye(req: SipRequest, tx: ServerTransaction): void {
    const id = dialogIdOfRequest(req);
    const play = [...this.#plays.values()].find((p) => p.session.dialogId === id);
    tx.respond(play ? 200 : 481);
    if (play) {
      play.session.remoteEnded('device sent BYE');
      play.stream.close('device-bye');
    }
  }

  /** Whether the Call-ID is the dialog of one of our plays. */
  hasDialog(callId: string): boolean {
    for (const play of this.#plays.values()) {
      if (play.session.callId === callId) {
        return true;
      }
    }
    return false;
  }

  /** An in-dialog MESSAGE (looked up by Call-ID): true when it belongs to one of our plays. */
  handleDialogMessage(callId: string, message: ManscdpMessage): boolean {
    const play = [...this.#plays.values()].find((p) => p.session.callId === callId);
    if (!play) {
      return false;
    }
    if (message.kind === 'MediaStatus') {
      // NotifyType 121: the file was sent to the end (docs/gb28181.md §8.2): BYE and release.
      play.session.diagnosis.add('media-status', `NotifyType ${message.notifyType}`);
      play.stream.close('end-of-file');
    }
    return true;
  }

  /**
   * The operator's preference first, then the transport that last delivered media, then the
   * global default, then the rest of the fallback order.
   */
  #transportsFor(device: DeviceRecord | undefined): MediaTransportName[] {
    const order: MediaTransportName[] = ['udp', 'tcp-passive', 'tcp-active'];
    const first = [device?.transportPreference, device?.mediaTransport, this.#o.defaultMediaTransport];
    const picked = first.filter((t): t is MediaTransportName => typeof t === 'string');
    return [...new Set([...picked, ...order])];
  }

  async #play(
    streamId: string,
    deviceId: string,
    channelId: string,
    kind: PlayKind,
    range?: { start: Date; end: Date },
    replayCause?: string,
    liveStream?: LiveStream,
    downloadSpeed?: number,
  ): Promise<StreamView> {
    this.#o.checkChannel(deviceId, channelId);
    await this.#o.orphansSettled?.(deviceId, channelId);
    const existing = this.#plays.get(streamId);
    if (existing && !existing.stream.closed) {
      await existing.stream.start();
      return this.getStream(streamId)!;
    }
    const tz = this.#o.timeZone;
    const device = this.#o.store.getDevice(deviceId);
    const session = new PlaySession(
      {
        streamId,
        deviceId,
        channelId,
        kind,
        transports: this.#transportsFor(device),
        ...(liveStream ? { stream: liveStream, dialects: dialectsOf(device?.streamSelection ?? 'all') } : {}),
        ...(device?.mediaIp ? { mediaIp: device.mediaIp } : {}),
        ...(downloadSpeed !== undefined ? { downloadSpeed } : {}),
        ...(range
          ? {
              range: {
                start: epochSecondsToGbTime(Math.floor(range.start.getTime() / 1000), tz),
                end: epochSecondsToGbTime(Math.floor(range.end.getTime() / 1000), tz),
              },
            }
          : {}),
      },
      {
        ua: this.#o.ua,
        sessions: this.#o.sessions,
        ssrc: this.#ssrc,
        media: this.#o.media,
        timeZone: tz,
        log: this.#o.log.child({ streamId }),
        firstMediaTimeoutMs: this.#o.firstMediaTimeoutMs ?? 5_000,
        inviteTimeoutMs: 10_000,
        rememberTransport: (id, transport) => this.#o.store.upsertDevice(id, { mediaTransport: transport }),
        requestKeyframe: (id, ch) => this.#o.requestKeyframe(id, ch),
        ...(this.#o.dialogs ? { dialogs: this.#o.dialogs } : {}),
        onIngestStats: this.#o.onIngestStats,
        onFirstKeyframe: (kind, seconds) => this.#o.onFirstKeyframe?.(kind, seconds),
      },
    );
    if (replayCause !== undefined) {
      // The previous attempt's diagnosis is replaced: say why this one exists.
      session.diagnosis.add('replayed', replayCause);
    }
    this.#diagnoses.set(streamId, session.diagnosis);
    if (this.#diagnoses.size > 500) {
      this.#diagnoses.delete(this.#diagnoses.keys().next().value!);
    }
    const stream = this.#o.streams.getOrCreate(
      streamId,
      () =>
        new Stream({
          id: streamId,
          source: session,
          idleStopMs: this.#o.idleStopMs,
          noMediaTimeoutMs: this.#o.noMediaTimeoutMs,
          // Live only: a paused playback is silent on purpose.
          stallTimeoutMs: kind === 'live' ? (this.#o.stallTimeoutMs ?? 0) : 0,
        }),
    );
    const play: ActivePlay = {
      session,
      stream,
      kind,
      deviceId,
      channelId,
      ...(range ? { range } : {}),
      ...(liveStream ? { liveStream } : {}),
    };
    this.#plays.set(streamId, play);
    stream.onClose((cause) => {
      if (this.#plays.get(streamId) === play) {
        this.#plays.delete(streamId);
      }
      if (cause === 'no-media') {
        this.#mediaLostAt.set(deviceId, Date.now());
        session.diagnosis.fail('the device stopped sending media (no packets for the no-media timeout)');
      } else if (!session.diagnosis.cause && cause !== 'idle' && cause !== 'shutdown') {
        session.diagnosis.add('closed', cause);
      }
      this.#o.log.info({ streamId, cause }, 'stream closed');
    });
    this.#o.onStreamCreated(stream, () => this.getStream(streamId)!);
    try {
      await stream.start();
    } catch (err) {
      throw new GatewayError('GW_ERR_PLAY_FAILED', (err as Error).message);
    }
    this.#mediaLostAt.delete(deviceId); // media flows again
    return this.getStream(streamId)!;
  }

  /** The identity of an active play, to invite it again elsewhere. */
  playIdentity(streamId: string): PlayIdentity | undefined {
    const p = this.#plays.get(streamId);
    return p ? playIdentityOf(streamId, p) : undefined;
  }

  /**
   * Ends the current dialog of `id.streamId` (BYE) if one is up, and invites the stream again
   * under the same ID, so URLs handed out stay valid (failover of a lost media node, a device
   * that restarted).
   */
  replay(id: PlayIdentity, cause: string): Promise<StreamView> {
    const current = this.#plays.get(id.streamId);
    if (current) {
      current.stream.close(cause);
    }
    const range = id.range ? { start: new Date(id.range.start), end: new Date(id.range.end) } : undefined;
    return this.#play(id.streamId, id.deviceId, id.channelId, id.kind, range, cause, id.liveStream);
  }

  /**
   * Main and sub of one channel are two streams of the hub, with their own viewers and dialogs:
   * `<device>_<channel>` for main (the ID plays have always had), `_sub` and `_third` after it
   * (live-stream-id.ts, which signed media URLs are bound to).
   */
  startLive(deviceId: string, channelId: string, stream?: LiveStream): Promise<StreamView> {
    const chosen = stream ?? this.#o.store.getDevice(deviceId)?.defaultStream ?? 'main';
    return this.#play(
      liveStreamId(deviceId, channelId, chosen),
      deviceId,
      channelId,
      'live',
      undefined,
      undefined,
      chosen,
    );
  }

  startPlayback(deviceId: string, channelId: string, start: Date, end: Date): Promise<StreamView> {
    this.#playbackSeq = (this.#playbackSeq + 1) % 100_000;
    return this.#play(`${deviceId}_${channelId}_pb${this.#playbackSeq}`, deviceId, channelId, 'playback', {
      start,
      end,
    });
  }

  /** s=Download with a=downloadspeed (docs/gb28181.md §7): the device sends the range faster than real time. */
  startDownload(
    deviceId: string,
    channelId: string,
    start: Date,
    end: Date,
    speed: number,
  ): Promise<StreamView> {
    this.#playbackSeq = (this.#playbackSeq + 1) % 100_000;
    return this.#play(
      `${deviceId}_${channelId}_dl${this.#playbackSeq}`,
      deviceId,
      channelId,
      'download',
      { start, end },
      undefined,
      undefined,
      speed,
    );
  }

  listStreams(): StreamView[] {
    return [...this.#plays.keys()].map((id) => this.getStream(id)!).filter(Boolean);
  }

  getStream(streamId: string): StreamView | undefined {
    const play = this.#plays.get(streamId);
    return play ? streamViewOf(streamId, play, this.#o.viewersOf(streamId)) : undefined;
  }

  diagnosis(streamId: string): Diagnosis | undefined {
    return this.#diagnoses.get(streamId)?.toJSON();
  }

  async controlPlayback(streamId: string, control: PlaybackControl): Promise<void> {
    const play = this.#plays.get(streamId);
    if (!play) {
      throw new GatewayError('GW_ERR_STREAM_NOT_FOUND', `no active stream ${streamId}`);
    }
    if (play.kind === 'live') {
      throw new GatewayError('GW_ERR_BAD_REQUEST', 'playback control applies to playback streams only');
    }
    try {
      switch (control.action) {
        case 'pause':
          return await play.session.control({ method: 'PAUSE' });
        case 'resume':
          return await play.session.control({ method: 'PLAY' });
        case 'scale':
          return await play.session.control({ method: 'PLAY', scale: control.scale });
        case 'seek':
          return await play.session.control({ method: 'PLAY', rangeStart: control.position });
      }
    } catch (err) {
      throw new GatewayError('GW_ERR_DEVICE_REJECTED', (err as Error).message);
    }
  }

  stopStream(streamId: string): Promise<void> {
    const play = this.#plays.get(streamId);
    if (!play) {
      throw new GatewayError('GW_ERR_STREAM_NOT_FOUND', `no active stream ${streamId}`);
    }
    play.stream.close('stopped-by-api');
    return Promise.resolve();
  }
}
