// One INVITE dialog that feeds one Stream (docs/gb28181.md §7): it is the Stream's source, so the hub
// INVITEs on the first viewer and BYEs after the last. Listens before the INVITE leaves (TCP
// passive: Dahua sends at 200, before ACK), re-keys to the answer's y=, and falls back from UDP
// to TCP passive to TCP active when no media arrives, remembering per device what worked.
import {
  createInDialogRequest,
  dialogAsUac,
  type Dialog,
  type SipRequest,
  type SipResponse,
  type SipUserAgent,
} from '../../sip/index.js';
import { formatHostPort } from '../../sip/uri.js';
import type { Logger } from '../../log.js';
import type { MediaTransport } from '../../ingest/ingest-session.js';
import type { Stream, StreamSource } from '../../hub/stream.js';
import { buildMansRtsp } from '../mansrtsp.js';
import { buildGbOffer, readGbAnswer, type GbStreamPurpose } from '../sdp/offer-answer.js';
import { readSelection, selectionAttributes } from '../sdp/stream-selection.js';
import type { LiveStream, SelectionDialect } from '../../device-settings.js';
import { parseGbSdp } from '../sdp/parse.js';
import { ssrcToUint32, type SsrcAllocator } from '../ssrc.js';
import { playSubject } from '../subject.js';
import type { DeviceSession, DeviceSessions } from './device-sessions.js';
import {
  type MediaIngest,
  type MediaNodeClient,
  type PlayMediaEvent,
  type RemoteStreamView,
} from '../../media-plane/media-node-client.js';
import { PlayDiagnosis } from './play-diagnosis.js';
import { dialogRecord, routeSetOf } from './play-dialog-record.js';
import type { PlayDialogStore } from '../../store/dialog-store.js';
import type { IngestDelta } from '../../metrics.js';

const ZERO_INGEST: IngestDelta = {
  bytes: 0,
  packets: 0,
  lost: 0,
  reordered: 0,
  demuxErrors: 0,
  ssrcMismatches: 0,
  sourceMismatches: 0,
  nonRtp: 0,
};

export type PlayKind = 'live' | 'playback' | 'download';

export interface PlaySessionDeps {
  ua: SipUserAgent;
  sessions: DeviceSessions;
  ssrc: SsrcAllocator;
  /** Where the media is received: the local media plane, or a media node through Redis. */
  media: MediaNodeClient;
  timeZone: string;
  log: Logger;
  /** How long to wait for the first RTP before trying the next transport. */
  firstMediaTimeoutMs: number;
  /** The device's final answer deadline (then CANCEL). */
  inviteTimeoutMs: number;
  /** Called when a transport delivered media, to remember it for the device. */
  rememberTransport(deviceId: string, transport: MediaTransport): void;
  requestKeyframe(deviceId: string, channelId: string): void;
  /** Where the dialog is kept while it lasts, so a restart after a crash can end it (BYE). */
  dialogs?: PlayDialogStore;
  onIngestStats?(transport: MediaTransport, delta: IngestDelta): void;
  onFirstKeyframe?(kind: PlayKind, secondsSinceInvite: number): void;
}

export interface PlayRequest {
  streamId: string;
  deviceId: string;
  channelId: string;
  kind: PlayKind;
  /** Transports to try in order. */
  transports: MediaTransport[];
  /** playback/download: RecordInfo wall-clock times in the device's zone. */
  range?: { start: string; end: string };
  downloadSpeed?: number;
  /** live: the encoder stream to ask for (default main) and the dialects that ask (docs/gb28181.md §7.5). */
  stream?: LiveStream;
  dialects?: readonly SelectionDialect[];
  /** The address the offer's c= names instead of the media node's (the device's mediaIp setting). */
  mediaIp?: string;
}

const TRANSPORT_SDP = {
  udp: { protocol: 'udp' },
  'tcp-passive': { protocol: 'tcp', setup: 'passive' },
  'tcp-active': { protocol: 'tcp', setup: 'active' },
} as const;

/** How long a stream with audio but no video yet waits before the play counts as started. */
const AUDIO_ONLY_GRACE_MS = 1000;

class NoMediaError extends Error {}

function streamPurpose(request: PlayRequest): GbStreamPurpose {
  const { kind, channelId } = request;
  if (kind === 'live') {
    return { kind: 'live' };
  }
  const { start, end } = request.range!;
  return kind === 'playback'
    ? { kind: 'playback', channelId, start, end }
    : { kind: 'download', channelId, start, end, downloadSpeed: request.downloadSpeed ?? 4 };
}

/**
 * Resolves when the play has media worth answering with. A pack usually starts with the audio
 * PES (ireader muxer), so audio is often identified a few ms before video: the play counts as
 * started once video is known, so the API reports the video codec; a stream that stays
 * audio-only is accepted after a short grace.
 */
class FirstMediaWatch {
  #arrived!: () => void;
  readonly #promise = new Promise<void>((resolve) => (this.#arrived = resolve));
  #audioOnly: NodeJS.Timeout | undefined;

  observe(e: PlayMediaEvent): void {
    if (e.type === 'codec' && e.video) {
      this.#arrived();
    } else if (e.type === 'codec') {
      this.#audioOnly ??= setTimeout(this.#arrived, AUDIO_ONLY_GRACE_MS);
    }
  }

  async wait(timeoutMs: number, transport: MediaTransport, canFallBack: boolean): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const message =
          transport === 'udp'
            ? `no media within ${timeoutMs / 1000} s over UDP: the device or a firewall drops it`
            : `no media within ${timeoutMs / 1000} s over ${transport}`;
        // The last transport's silence is a plain failure: there is nothing to fall back to.
        reject(canFallBack ? new NoMediaError(message) : new Error(message));
      }, timeoutMs);
    });
    try {
      await Promise.race([this.#promise, timeout]);
    } finally {
      clearTimeout(timer);
      clearTimeout(this.#audioOnly);
    }
  }
}

export class PlaySession implements StreamSource {
  readonly diagnosis: PlayDiagnosis;
  transport: MediaTransport;
  /** The stream the device's 200 names in any dialect; null when it names none (docs/gb28181.md §7.5). */
  answeredStream: LiveStream | null = null;
  #ingest: MediaIngest | undefined;
  readonly #media: MediaNodeClient;
  #dialog: Dialog | undefined;
  #routeSet: string[] = [];
  #ssrc: string | undefined;
  #stopped = false;
  #rtspCSeq = 0;
  #lastStats: IngestDelta = ZERO_INGEST;
  #statsTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly request: PlayRequest,
    private readonly deps: PlaySessionDeps,
  ) {
    this.diagnosis = new PlayDiagnosis(request.streamId);
    this.transport = request.transports[0] ?? 'udp';
    this.#media = deps.media;
  }

  /** The hub's state as a remote media node reports it; undefined when the media is local. */
  get remoteView(): RemoteStreamView | undefined {
    return this.#ingest?.view?.();
  }

  get callId(): string | undefined {
    return this.#dialog?.callId;
  }

  get dialogId(): string | undefined {
    return this.#dialog?.id;
  }

  get stats() {
    return this.#ingest?.stats;
  }

  async start(stream: Stream): Promise<void> {
    const { transports } = this.request;
    let lastError: Error | undefined;
    for (const [i, transport] of transports.entries()) {
      if (this.#stopped) {
        break;
      }
      try {
        await this.#attempt(stream, transport, i < transports.length - 1);
        this.deps.rememberTransport(this.request.deviceId, transport);
        this.#statsTimer = setInterval(() => this.#reportStats(), 1000);
        this.#statsTimer.unref();
        return;
      } catch (err) {
        lastError = err as Error;
        this.#teardown('fallback');
        if (!(err instanceof NoMediaError)) {
          break;
        }
        const next = transports[i + 1];
        if (next) {
          this.diagnosis.add('fallback', `${lastError.message}; retrying over ${next}`);
        }
      }
    }
    const cause = lastError?.message ?? 'stopped before it started';
    this.diagnosis.fail(cause);
    throw new Error(cause);
  }

  /** One transport: listen, INVITE, apply the answer, then wait for the first media. */
  async #attempt(stream: Stream, transport: MediaTransport, canFallBack: boolean): Promise<void> {
    const device = this.#reachableDevice();
    this.transport = transport;
    const ssrc = this.deps.ssrc.allocate(this.request.kind === 'live' ? 'live' : 'history');
    if (!ssrc) {
      throw new Error('all 9999 SSRC stream numbers are in use');
    }
    this.#ssrc = ssrc;
    this.diagnosis.expectSsrc(ssrcToUint32(ssrc), 'offer');
    const firstMedia = new FirstMediaWatch();
    const ingest = await this.#listen(stream, transport, ssrc, device, firstMedia);
    const { invite, response } = await this.#invite(device, ingest, transport, ssrc);
    this.#establishDialog(invite, response, device);
    this.#applyAnswer(response, ingest, transport, ssrc);
    await firstMedia.wait(this.deps.firstMediaTimeoutMs, transport, canFallBack);
  }

  #reachableDevice(): DeviceSession {
    const { deviceId } = this.request;
    const device = this.deps.sessions.get(deviceId);
    // A registration kept across our restart (restored) is as reachable as before it.
    if (!device || (!device.online && !device.restored)) {
      throw new Error(`device ${deviceId} is offline`);
    }
    return device;
  }

  /** Bind or listen BEFORE the INVITE leaves (docs/gb28181.md §7.2). */
  async #listen(
    stream: Stream,
    transport: MediaTransport,
    ssrc: string,
    device: DeviceSession,
    firstMedia: FirstMediaWatch,
  ): Promise<MediaIngest> {
    const { deviceId, channelId, kind } = this.request;
    const startedAt = Date.now();
    const onEvent = (e: PlayMediaEvent) => {
      this.diagnosis.ingest(e);
      firstMedia.observe(e);
      if (e.type === 'first-keyframe') {
        this.deps.onFirstKeyframe?.(kind, (Date.now() - startedAt) / 1000);
      }
    };
    const ingest = await this.#media.open({
      streamId: this.request.streamId,
      deviceId,
      channelId,
      kind,
      transport,
      expectedSsrc: ssrcToUint32(ssrc),
      deviceAddresses: [device.remote.address],
      stream,
      onEvent,
      onClose: (cause) => {
        if (!this.#stopped && cause !== 'fallback') {
          stream.close(`media: ${cause}`);
        }
      },
      onKeyframeRequest: () => this.requestKeyframe(),
    });
    this.#ingest = ingest;
    onEvent({ type: 'listening', transport, port: ingest.localPort });
    return ingest;
  }

  /** Sends the INVITE with our offer; resolves with the device's 2xx. */
  async #invite(
    device: DeviceSession,
    ingest: MediaIngest,
    transport: MediaTransport,
    ssrc: string,
  ): Promise<{ invite: SipRequest; response: SipResponse }> {
    const { channelId, kind } = this.request;
    const wanted = this.#wantedStream();
    const address = this.request.mediaIp ?? ingest.address;
    const offer = buildGbOffer({
      purpose: streamPurpose(this.request),
      originId: this.deps.ua.localId,
      address,
      port: ingest.localPort,
      transport: TRANSPORT_SDP[transport],
      ssrc,
      timeZone: this.deps.timeZone,
      attributes: wanted ? selectionAttributes(wanted, this.request.dialects ?? []) : [],
    });
    if (!offer.ok) {
      throw new Error(`cannot build the SDP offer: ${offer.detail}`);
    }
    const target = `sip:${channelId}@${formatHostPort(device.remote.address, device.remote.port)}`;
    const invite = this.deps.ua.createRequest({
      method: 'INVITE',
      requestUri: target,
      to: target,
      body: offer.value,
      contentType: 'APPLICATION/SDP',
      transport: device.remote.transport,
      // Some devices reject an INVITE without Subject (docs/gb28181.md §7.1).
      headers: [['Subject', playSubject(channelId, ssrc, this.deps.ua.localId)]],
    });
    this.diagnosis.add(
      'invite-sent',
      `${kind}${wanted && wanted !== 'main' ? ` (${wanted} stream)` : ''} over ${transport}, y=${ssrc}, ` +
        `media port ${ingest.localPort}, c=${address}`,
    );
    const response = await this.deps.ua.request(invite, device.remote, {
      timeoutMs: this.deps.inviteTimeoutMs,
      onProvisional: (r) => this.diagnosis.add('provisional', `${r.status} ${r.reason}`),
    });
    this.diagnosis.add('final-response', `${response.status} ${response.reason}`);
    if (response.status < 200 || response.status >= 300) {
      throw new Error(describeRejection(response));
    }
    return { invite, response };
  }

  /** ACKs the 2xx and keeps the dialog (in the store too, so a restart can BYE it). */
  #establishDialog(invite: SipRequest, response: SipResponse, device: DeviceSession): void {
    const dialog = dialogAsUac(invite, response, device.remote);
    if (!dialog) {
      throw new Error('the 200 OK to our INVITE is missing a To tag or Call-ID');
    }
    this.#dialog = dialog;
    this.deps.ua.sendAck(invite, response, device.remote);
    this.diagnosis.add('ack-sent');
    this.#routeSet = routeSetOf(response);
    this.#storeDialog();
    // A device restored from before our restart is online from its first answer (device-sessions.ts).
    this.deps.sessions.touch(this.request.deviceId, device.remote, false);
    if (this.#stopped) {
      throw new Error('stopped while inviting');
    }
  }

  /** Reads the SDP answer: the stream it names, a re-keyed y=, the media address, TCP active dial. */
  #applyAnswer(response: SipResponse, ingest: MediaIngest, transport: MediaTransport, ssrc: string): void {
    const answer = parseGbSdp(Buffer.from(response.body).toString('utf8'));
    if (!answer.ok) {
      throw new Error(`unreadable SDP answer: ${answer.detail}`);
    }
    const media = readGbAnswer(answer.value, ssrc);
    if (!media.ok) {
      throw new Error(`unusable SDP answer: ${media.detail}`);
    }
    const wanted = this.#wantedStream();
    if (wanted) {
      // Reported as the device wrote it, never inferred from what was asked (docs/gb28181.md §7.5).
      this.answeredStream = readSelection(media.value.attributes)?.stream ?? null;
      if (wanted !== 'main' || this.answeredStream !== null) {
        this.diagnosis.add(
          'stream-answered',
          this.answeredStream === null
            ? `asked for the ${wanted} stream; the answer does not say which stream comes`
            : `asked for the ${wanted} stream; the answer names the ${this.answeredStream} stream`,
        );
      }
    }
    if (media.value.ssrcChanged) {
      this.diagnosis.add('ssrc-rekeyed', `the answer's y=${media.value.ssrc} replaces our y=${ssrc}`);
      const n = ssrcToUint32(media.value.ssrc);
      this.diagnosis.expectSsrc(n, 'answer');
      if (n !== undefined) {
        ingest.setExpectedSsrc(n);
      }
    }
    ingest.trustDeviceAddress(media.value.address);
    if (transport === 'tcp-active') {
      this.diagnosis.add('media-dial', `${media.value.address}:${media.value.port}`);
      ingest.connect(media.value.address, media.value.port);
    }
  }

  /** live: the encoder stream asked for; undefined for playback and download. */
  #wantedStream(): LiveStream | undefined {
    return this.request.kind === 'live' ? (this.request.stream ?? 'main') : undefined;
  }

  /** Playback control over INFO + MANSRTSP (docs/gb28181.md §8.1). */
  async control(
    body: { method: 'PLAY'; scale?: number; rangeStart?: number } | { method: 'PAUSE' },
  ): Promise<void> {
    const dialog = this.#dialog;
    const device = this.deps.sessions.get(this.request.deviceId);
    if (!dialog || !device) {
      throw new Error('no playback dialog');
    }
    this.#rtspCSeq += 1;
    const text =
      body.method === 'PAUSE'
        ? buildMansRtsp({ method: 'PAUSE', cseq: this.#rtspCSeq, pauseTime: 'now' })
        : buildMansRtsp({
            method: 'PLAY',
            cseq: this.#rtspCSeq,
            ...(body.scale === undefined ? {} : { scale: body.scale }),
            range: { start: body.rangeStart ?? 'now' },
          });
    const info = createInDialogRequest(dialog, 'INFO', { body: text, contentType: 'Application/MANSRTSP' });
    this.#storeDialog(); // the CSeq moved on: a BYE after a crash must go above it
    const res = await this.deps.ua.request(info, dialog.remote);
    this.diagnosis.add('info', `${text.split('\r\n')[0]} → ${res.status}`);
    if (res.status >= 300) {
      throw new Error(`device answered ${res.status} ${res.reason} to ${body.method}`);
    }
  }

  requestKeyframe(): void {
    this.deps.requestKeyframe(this.request.deviceId, this.request.channelId);
  }

  /** BYE (when a dialog exists), close the ingest, free the SSRC. Idempotent. */
  stop(reason: string): void {
    if (this.#stopped) {
      return;
    }
    this.#stopped = true;
    this.diagnosis.add('stopped', reason);
    this.#teardown(reason);
  }

  /** The device ended the dialog (BYE) or the file (MediaStatus 121): no BYE back. */
  remoteEnded(reason: string): void {
    const dialog = this.#dialog;
    this.#dialog = undefined;
    if (dialog) {
      this.#forgetDialog(dialog.callId);
    }
    this.stop(reason);
  }

  /** Keeps the dialog in the store while it lasts (issue #20 point 4). A store failure is logged, never fatal. */
  #storeDialog(): void {
    const dialog = this.#dialog;
    if (!dialog || !this.deps.dialogs || !this.#ingest || !this.#ssrc) {
      return;
    }
    const { streamId, deviceId, channelId, kind } = this.request;
    try {
      this.deps.dialogs.put(
        dialogRecord(dialog, this.#routeSet, {
          streamId,
          deviceId,
          channelId,
          kind,
          mediaTransport: this.transport,
          mediaPort: this.#ingest.localPort,
          ssrc: this.#ssrc,
        }),
      );
    } catch (err) {
      this.deps.log.warn({ err, streamId }, 'could not store the play dialog');
    }
  }

  #teardown(reason: string): void {
    clearInterval(this.#statsTimer);
    this.#reportStats();
    const dialog = this.#dialog;
    this.#dialog = undefined;
    if (dialog) {
      const bye = createInDialogRequest(dialog, 'BYE');
      this.#forgetDialog(dialog.callId);
      this.deps.ua.request(bye, dialog.remote).then(
        (res) => this.deps.log.debug({ status: res.status, streamId: this.request.streamId }, 'BYE answered'),
        (err: unknown) => this.deps.log.warn({ err }, 'BYE failed'),
      );
    }
    this.#ingest?.close(reason);
    this.#ingest = undefined;
    if (this.#ssrc) {
      this.deps.ssrc.release(this.#ssrc);
    }
    this.#ssrc = undefined;
    this.#lastStats = ZERO_INGEST;
  }

  #forgetDialog(callId: string): void {
    try {
      this.deps.dialogs?.delete(callId);
    } catch (err) {
      this.deps.log.warn({ err, callId }, 'could not remove the play dialog from the store');
    }
  }

  #reportStats(): void {
    const s = this.#ingest?.stats;
    if (!s || !this.deps.onIngestStats) {
      return;
    }
    const now: IngestDelta = {
      bytes: s.bytes,
      packets: s.packets,
      lost: s.lost,
      reordered: s.reordered,
      demuxErrors: s.demuxResyncs,
      ssrcMismatches: s.ssrcMismatches,
      sourceMismatches: s.sourceMismatches,
      nonRtp: s.nonRtp,
    };
    const prev = this.#lastStats;
    const delta = { ...now };
    for (const key of Object.keys(delta) as (keyof IngestDelta)[]) {
      delta[key] -= prev[key];
    }
    this.deps.onIngestStats(this.transport, delta);
    this.#lastStats = now;
  }
}

function describeRejection(res: SipResponse): string {
  const meaning: Record<number, string> = {
    400: 'the device found the INVITE malformed',
    403: 'the device refused us',
    404: 'the device has no such channel',
    408: 'the device did not answer the INVITE in time',
    486: 'the device cannot take more streams',
    488: 'the device did not accept our SDP (transport or payload)',
    500: 'the device failed internally',
    503: 'the device is unavailable or unreachable',
  };
  return `device answered ${res.status} ${res.reason}${meaning[res.status] ? `: ${meaning[res.status]}` : ''}`;
}
