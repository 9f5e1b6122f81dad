// The seam between a play session (SIP: INVITE/ACK/BYE) and the media plane that receives the
// device's PS/RTP. A play asks a media node to bind a receive port BEFORE the INVITE leaves
// (docs/gb28181.md §7.2), writes the node's address and port into its SDP offer, then tells the node
// what the answer said (y= re-key, tcp-active dial, §7.3). `LocalMediaNode` (local-media-node.ts)
// is the single-process behaviour (--role all); gateway/cluster/remote-media-client.ts does the
// same through Redis.
import type { StreamMediaEvent } from '../hub/media-events.js';
import type { StreamInput } from '../hub/stream-types.js';
import type { IngestEvent, IngestSession, MediaTransport } from '../ingest/ingest-session.js';
import type { StreamView } from '../views/services.js';

/**
 * What a play hears from the media side: the ingest's transport steps (port, first RTP, first
 * PS pack, SSRC and source anomalies) and the hub's media facts (codec found or changed, first
 * keyframe, B-frames, viewers closed for a reason).
 */
export type PlayMediaEvent = IngestEvent | StreamMediaEvent;

export interface IngestRequest {
  streamId: string;
  deviceId: string;
  channelId: string;
  kind: 'live' | 'playback' | 'download';
  transport: MediaTransport;
  /** The offer's y= as a 32-bit integer. */
  expectedSsrc: number | undefined;
  /**
   * IPs signaling knows for the device (where its REGISTER came from): UDP media from them may
   * take over a stream locked to another source (gateway/ingest/source-lock.ts; NAT, port moves).
   */
  deviceAddresses: readonly string[];
  /** The play's hub; a local node publishes access units into it. */
  stream: StreamInput;
  onEvent(e: PlayMediaEvent): void;
  /** The media side ended (no media, connect failed, idle, node lost); called once. */
  onClose(cause: string): void;
  /** The media side's viewers want an IDR (a remote hub asks through this). */
  onKeyframeRequest(): void;
}

/** What a remote media node reports about the stream it serves, for the API's stream view. */
export type RemoteStreamView = Pick<
  StreamView,
  'codec' | 'width' | 'height' | 'fps' | 'bitrateKbps' | 'packetsLost' | 'viewers' | 'state'
>;

export interface MediaIngest {
  /** Address written into the SDP offer (c=, o=). */
  readonly address: string;
  readonly localPort: number;
  /** Local ingest counters; undefined on a remote node. */
  readonly stats: IngestSession['stats'] | undefined;
  setExpectedSsrc(ssrc: number): void;
  /** The SDP answer's c= address: trusted like `deviceAddresses`. */
  trustDeviceAddress(address: string): void;
  /** tcp-active: dial the device's answer address. */
  connect(host: string, port: number): void;
  /** Idempotent; the request's onClose receives this cause. */
  close(cause: string): void;
  /** Remote nodes only: the hub's state as the node last reported it. */
  view?(): RemoteStreamView | undefined;
}

export interface MediaNodeClient {
  open(req: IngestRequest): Promise<MediaIngest>;
}
