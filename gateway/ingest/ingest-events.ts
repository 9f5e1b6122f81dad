// What an ingest session reports while it runs: the transport steps of a play attempt, in the
// order a diagnosis reads them (port ready → connected → first RTP → first PS pack), plus the
// anomalies worth surfacing (wrong SSRC, failed dials, lost connections, PES without PTS). What
// follows (codec, first keyframe, codec changes) is the hub's to report (gateway/hub/media-events.ts).
import type { MediaSource } from './source-lock.js';

export type MediaTransport = 'udp' | 'tcp-passive' | 'tcp-active';

export type IngestEvent =
  /** The receive port is bound (UDP) or listening (TCP passive); tcp-active reports its reserved port. */
  | { type: 'listening'; transport: MediaTransport; port: number }
  /** TCP: a media connection is up (accepted, or dialed for tcp-active). */
  | { type: 'connected'; address: string; port: number }
  /** TCP: the media connection ended. */
  | { type: 'disconnected'; address: string; port: number; reason: string }
  /** TCP passive: a second connection while the first one is alive was refused. */
  | { type: 'connection-refused'; address: string; port: number }
  /** TCP active: one dial attempt failed; `final` when no retry follows. */
  | { type: 'connect-failed'; host: string; port: number; attempt: number; error: string; final: boolean }
  /** The first RTP packet accepted by the SSRC guard. */
  | { type: 'first-rtp'; address: string; port: number; ssrc: number; payloadType: number; at: Date }
  /** RTP from an SSRC the session does not accept; once per distinct SSRC. */
  | { type: 'ssrc-mismatch'; expected: number | undefined; got: number; address: string }
  /** learn-first: a stray SSRC was learned first, then the expected one appeared and took over. */
  | { type: 'ssrc-switch'; from: number | undefined; to: number }
  /**
   * UDP: RTP with an acceptable SSRC from a source other than the one the session locked to
   * (its first accepted source); kept out. Once per distinct source.
   */
  | { type: 'source-mismatch'; address: string; port: number; ssrc: number; locked: MediaSource }
  /** UDP: the source lock moved to an address signaling named for the device. */
  | { type: 'source-switch'; from: MediaSource; to: MediaSource }
  /** The first MPEG-PS pack header (00 00 01 BA) in accepted RTP payloads. */
  | { type: 'first-pack'; at: Date }
  /**
   * The first video access unit whose PES carried no PTS: timed from the RTP timestamp (the
   * stream carries none at all, a field bug of some encoders) or from its timed neighbours
   * (ffmpeg leaves some out). Once per session.
   */
  | { type: 'pes-without-pts'; timedBy: 'rtp-timestamp' | 'neighbours' };

export type IngestEventType = IngestEvent['type'];
