// What the main thread and a viewer worker say to each other (docs/performance.md §3).
//
// The main thread owns every stream (ingest, hub, HLS, recorder) and the HTTP side of WHEP; a
// viewer worker owns WHEP sessions (werift ICE/DTLS, SRTP, sending) and a replica of each
// stream its viewers watch, fed with the hub's access units. A stream is named by a FeedKey:
// the camera's stream, or the transcoder's H.264 view of it.
import type { AccessUnit, Codec } from '../../../../codecs/types.js';
import type { CloseReason } from '../../../hub/sink.js';
import type { NegotiationPlan } from '../codec-select.js';
import type { WhepErrorCode } from '../errors.js';
import type { WebRtcNetworkOptions } from '../peer-config.js';
import type { ParsedOffer } from '../sdp-offer.js';
import type { WebRtcSinkStats } from '../webrtc-sink.js';

export type FeedView = 'camera' | 'h264';

export interface FeedKey {
  streamId: string;
  view: FeedView;
}

/** The one string form of a FeedKey: the replica's id in the worker, the feed's map key on main. */
export const feedName = (k: FeedKey): string => (k.view === 'camera' ? k.streamId : `${k.streamId}#h264`);

/** workerData of a viewer worker. */
export interface ViewerWorkerConfig {
  index: number;
  net: WebRtcNetworkOptions;
  mtu: number;
  fanout: 'sliced' | 'sync';
  /** The main thread can give an H.265 camera's viewers an H.264 view. */
  transcoder: boolean;
  /** Int32Array over a SharedArrayBuffer: [0] counts access units the worker has published. */
  consumed: SharedArrayBuffer;
  /** Honour { type: 'crash' } (tests of the restart only). */
  crashable: boolean;
}

export interface OpenRequest {
  type: 'open';
  sessionId: string;
  streamId: string;
  offer: ParsedOffer;
  plan: NegotiationPlan;
  connectTimeoutMs?: number;
  viewerTimeoutMs?: number;
  sendPath?: 'direct' | 'werift';
}

/** An access unit as one transferable buffer: the units back to back, with their lengths. */
export interface AuMessage {
  type: 'au';
  feed: string;
  codec: Codec;
  pts: number;
  dts: number;
  keyframe: boolean;
  data: ArrayBuffer;
  lengths: number[];
}

export type ToWorker =
  | OpenRequest
  | AuMessage
  | { type: 'close'; sessionId: string; reason: CloseReason; detail?: string }
  /** The main stream ended (or its H.264 view): the replica closes, and its viewers with it. */
  | { type: 'feed-closed'; feed: string; cause: string }
  /** The camera went silent (hub 'stalled'), or came back. */
  | { type: 'feed-stalled'; feed: string; silentMs: number }
  /** Event-loop delay since the last read, for the bench's windows; the worker answers 'loop'. */
  | { type: 'loop-read'; id: number }
  | { type: 'crash' };

export interface SessionStats {
  sink?: WebRtcSinkStats;
  /** RtcpSession stats (receiver reports, NACKs). */
  rtcp?: Record<string, unknown>;
}

export type FromWorker =
  | { type: 'answer'; sessionId: string; sdp: string }
  | { type: 'open-failed'; sessionId: string; code: WhepErrorCode; message: string }
  | { type: 'connected'; sessionId: string }
  | { type: 'ended'; sessionId: string; reason: string; stats: SessionStats }
  /** A replica needs this feed: the main thread subscribes a WorkerFeed to it. */
  | { type: 'acquire'; key: FeedKey }
  /** No session of this worker watches the feed any more. */
  | { type: 'release'; feed: string }
  /** A viewer lost its picture (PLI/FIR): ask the camera for a keyframe. */
  | { type: 'keyframe'; feed: string }
  /** What each live session has sent, every few seconds. */
  | { type: 'stats'; sessions: { id: string; stats: SessionStats }[] }
  | { type: 'loop'; id: number; delay: LoopDelay };

export interface LoopDelay {
  p99Ms: number;
  maxMs: number;
}

/** Copies the units into one fresh buffer, which the message then transfers (no second copy). */
export function packAccessUnit(feed: string, au: AccessUnit): AuMessage {
  let total = 0;
  const lengths = new Array<number>(au.units.length);
  for (let i = 0; i < au.units.length; i++) {
    lengths[i] = au.units[i].byteLength;
    total += lengths[i];
  }
  const data = new ArrayBuffer(total);
  const bytes = new Uint8Array(data);
  let at = 0;
  for (const unit of au.units) {
    bytes.set(unit, at);
    at += unit.byteLength;
  }
  return {
    type: 'au',
    feed,
    codec: au.codec,
    pts: au.pts,
    dts: au.dts,
    keyframe: au.keyframe,
    data,
    lengths,
  };
}

/** The access unit again, its units views into the transferred buffer. */
export function unpackAccessUnit(m: AuMessage): AccessUnit {
  const units = new Array<Uint8Array>(m.lengths.length);
  let at = 0;
  for (let i = 0; i < m.lengths.length; i++) {
    const n = m.lengths[i];
    units[i] = new Uint8Array(m.data, at, n);
    at += n;
  }
  return { codec: m.codec, pts: m.pts, dts: m.dts, keyframe: m.keyframe, units };
}
