// The media side of one process, built once: the stream registry (hubs), the RTP port pool,
// and the outputs every hub can have (HLS while HLS clients ask, hls-outputs.ts; WHEP viewers
// on request). The single-process
// gateway (main.ts) and a cluster media node (cluster/media-node.ts) both build it here, so the
// media wiring exists in one place: ingest → hub (ingest-into-hub.ts) → outputs (attach()).
import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler, type Router } from 'express';
import type { ViewerLimits } from '../limits.js';
import type { Stream } from '../hub/stream.js';
import { StreamRegistry } from '../hub/stream-registry.js';
import { PortPool, type PortRange } from '../ingest/port-pool.js';
import { hlsRouter } from '../outputs/hls/hls-routes.js';
import { HlsViewers } from '../outputs/hls/hls-viewers.js';
import { H265Transcoder } from '../outputs/webrtc/transcoder.js';
import { whepRouter, type WhepRouter } from '../outputs/webrtc/whep-router.js';
import { ViewerWorkers } from '../outputs/webrtc/workers/viewer-workers.js';
import { HlsOutputs } from './hls-outputs.js';
import { LocalMediaNode } from './local-media-node.js';

export interface MediaPlaneOptions {
  /** Address written into SDP c= and ICE candidates. */
  publicIp: string;
  /** Local address media sockets bind to. */
  bindHost: string;
  mediaPorts: PortRange;
  webrtcPorts: PortRange;
  hlsSegmentSec: number;
  /** HLS built at a stream's first HLS request and dropped this long after its last; unset: always. */
  hlsOnDemand?: { idleMs: number };
  /** H.265 → H.264 for WebRTC viewers without an H.265 decoder (needs ffmpeg). */
  transcodeH265: boolean;
  /** WebRTC viewer threads (config media-workers); 0 or unset: viewers on this thread. */
  mediaWorkers?: number;
  /** WebRTC viewer slots (config webrtc-max-*); default the WHEP router's. */
  viewerLimits?: ViewerLimits;
  /** The client behind an HTTP request, for per-client limits and HLS viewer counts. */
  clientOf?: (req: IncomingMessage) => string;
}

export interface ViewerCounts {
  webrtc: number;
  hls: number;
}

/**
 * WebRTC sockets bind where media does when --sip-host names one address: replies then leave
 * from the address browsers checked, whatever interface routes them (docs/voice.md §11).
 */
export function webrtcBind(bindHost: string): { bindAddress?: string } {
  return bindHost === '0.0.0.0' || bindHost === '::' ? {} : { bindAddress: bindHost };
}

export class MediaPlane {
  readonly streams = new StreamRegistry();
  readonly portPool: PortPool;
  /** Plays opened in this process publish through it. */
  readonly local: LocalMediaNode;
  readonly whep: WhepRouter;
  /** The threads WebRTC viewers run in (none: on this thread). */
  readonly viewerWorkers: ViewerWorkers | undefined;
  /** H.265 → H.264 for viewers without an H.265 decoder, shared by WHEP and HLS (one ffmpeg per camera). */
  readonly #transcoder: H265Transcoder | undefined;
  readonly hls: HlsOutputs;
  readonly #hlsViewers = new HlsViewers();
  readonly #o: MediaPlaneOptions;

  constructor(o: MediaPlaneOptions) {
    this.#o = o;
    this.portPool = new PortPool(o.mediaPorts);
    this.local = new LocalMediaNode({ portPool: this.portPool, bindHost: o.bindHost, publicIp: o.publicIp });
    this.#transcoder = o.transcodeH265 ? new H265Transcoder() : undefined;
    this.hls = new HlsOutputs({
      segmentSec: o.hlsSegmentSec,
      ...(o.hlsOnDemand ? { onDemand: o.hlsOnDemand } : {}),
      ...(this.#transcoder ? { transcoder: this.#transcoder } : {}),
    });
    const l = o.viewerLimits;
    this.viewerWorkers = o.mediaWorkers
      ? new ViewerWorkers({
          count: o.mediaWorkers,
          net: { publicIp: o.publicIp, portRange: o.webrtcPorts, ...webrtcBind(o.bindHost) },
          resolveStream: (id) => this.streams.get(id),
          ...(this.#transcoder ? { transcoder: this.#transcoder } : {}),
        })
      : undefined;
    this.whep = whepRouter({
      resolveStream: (id) => this.streams.get(id),
      publicIp: o.publicIp,
      webrtc: {
        portRange: o.webrtcPorts,
        ...webrtcBind(o.bindHost),
        ...(l
          ? {
              maxSessions: l.maxViewers,
              maxSessionsPerStream: l.maxViewersPerStream,
              maxPendingPerStream: l.maxPendingPerStream,
              maxPendingPerClient: l.maxPendingPerClient,
              connectTimeoutMs: l.connectTimeoutSec * 1000,
            }
          : {}),
      },
      ...(this.#transcoder ? { transcoder: this.#transcoder } : {}),
      ...(this.viewerWorkers ? { workers: this.viewerWorkers } : {}),
      ...(o.clientOf ? { clientOf: o.clientOf } : {}),
    });
  }

  /** Every new hub passes here: its HLS output (hls-outputs.ts) and its HLS viewer counts end with it. */
  attach(stream: Stream): void {
    this.hls.attach(stream);
    stream.onClose(() => this.#hlsViewers.forget(stream.id));
  }

  viewersOf(streamId: string): ViewerCounts {
    return { webrtc: this.whep.sessions.countFor(streamId), hls: this.#hlsViewers.count(streamId) };
  }

  /**
   * The HLS routes. Each request keeps its stream alive and counts its client as a viewer;
   * `before` runs first (a cluster node redirects streams it does not serve).
   */
  hlsRoutes(before?: RequestHandler): Router {
    const router = express.Router();
    const touch: RequestHandler = (req, res, next) => {
      const id = typeof req.params.streamId === 'string' ? req.params.streamId : undefined;
      if (id) {
        this.streams.get(id)?.touch();
        this.#hlsViewers.touch(id, this.#o.clientOf?.(req) ?? req.socket.remoteAddress ?? '?');
        // a blocking reload is a viewer waiting: the idle time counts from its answer
        res.once('finish', () => this.streams.get(id)?.touch());
      }
      next();
    };
    router.use('/:streamId', ...(before ? [before, touch] : [touch]));
    router.use(hlsRouter((id) => this.hls.forRequest(this.streams.get(id))));
    return router;
  }

  /** The WebRTC ports for peers on this thread (WHIP talk): --webrtc-ports, less the viewer workers' slices. */
  get mainThreadWebrtcPorts(): PortRange {
    return this.viewerWorkers?.mainThreadPorts ?? this.#o.webrtcPorts;
  }

  /** Shutdown: every hub closes (each sends its BYE through its source), then the viewer threads stop. */
  async close(cause: string): Promise<void> {
    this.streams.closeAll(cause);
    await this.viewerWorkers?.close();
  }
}
