// One play the upper platform holds (its dialog and its stream hub), what it takes to invite it
// again, and how the API shows it.
import type { Stream } from '../../hub/stream.js';
import type { StreamView } from '../../views/services.js';
import type { LiveStream } from '../../device-settings.js';
import type { PlayKind, PlaySession } from './play-session.js';

export interface ActivePlay {
  session: PlaySession;
  stream: Stream;
  kind: PlayKind;
  deviceId: string;
  channelId: string;
  range?: { start: Date; end: Date };
  /** live: the encoder stream asked for. */
  liveStream?: LiveStream;
}

/** What it takes to invite a stream again under the same ID (media node failover). */
export interface PlayIdentity {
  streamId: string;
  deviceId: string;
  channelId: string;
  kind: PlayKind;
  range?: { start: string; end: string };
  liveStream?: LiveStream;
}

export function playIdentityOf(streamId: string, p: ActivePlay): PlayIdentity {
  const range = p.range ? { start: p.range.start.toISOString(), end: p.range.end.toISOString() } : undefined;
  return {
    streamId,
    deviceId: p.deviceId,
    channelId: p.channelId,
    kind: p.kind,
    ...(range ? { range } : {}),
    ...(p.liveStream ? { liveStream: p.liveStream } : {}),
  };
}

export function streamViewOf(
  streamId: string,
  play: ActivePlay,
  viewers: { webrtc: number; hls: number } | undefined,
): StreamView {
  const info = play.stream.info;
  const local = {
    codec: { video: info.videoCodec ?? null, audio: info.audioCodec ?? null },
    width: info.width ?? null,
    height: info.height ?? null,
    fps: info.fps ?? null,
    bitrateKbps: info.bitrateKbps ?? null,
    packetsLost: play.session.stats?.lost ?? 0,
    viewers: viewers ?? { webrtc: 0, hls: 0 },
    state: info.state,
  };
  // A remote media node's hub holds the media; this process only holds the dialog.
  const remote = play.session.remoteView;
  return {
    streamId,
    deviceId: play.deviceId,
    channelId: play.channelId,
    kind: play.kind,
    transport: play.session.transport,
    ...local,
    ...(remote && info.state !== 'closed' ? remote : {}),
    startedAt: info.startedAt?.toISOString() ?? null,
    stream: play.kind === 'live' ? (play.liveStream ?? 'main') : null,
    answeredStream: play.session.answeredStream,
  };
}
