// A media node's side of a play: opens the ingest the signaling node asks for (bound before the
// INVITE leaves, docs/gb28181.md §7.2), runs the stream hub with its HLS and WHEP outputs, applies the
// answer (y= re-key, tcp-active dial, §7.3), and reports back: ingest events for the diagnosis,
// keyframe requests, and the end of the stream (idle, no media) so the signaling node sends BYE.
import { GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import type { IngestSession } from '../ingest/ingest-session.js';
import { openIngestIntoHub } from '../media-plane/ingest-into-hub.js';
import type { MediaPlane } from '../media-plane/media-plane.js';
import { Stream } from '../hub/stream.js';
import type { RemoteStreamView } from '../media-plane/media-node-client.js';
import type { StreamView } from '../views/services.js';
import type { NodeBus } from './node-bus.js';
import type { MediaCommands, MediaEvents, NodeLoad, OpenIngestArgs } from './protocol.js';

export interface MediaAgentOptions {
  bus: NodeBus;
  /** The hubs, the port pool and the outputs of this node. */
  media: MediaPlane;
  bindHost: string;
  /** Address devices send to (SDP c=). */
  mediaIp: string;
  idleStopMs: number;
  noMediaTimeoutMs: number;
  /** Silence after which viewers are told the camera is lost (hub/stream.ts); 0 = off. */
  stallTimeoutMs?: number;
  log: Logger;
}

interface Served {
  ingestId: string;
  args: OpenIngestArgs;
  /** The signaling node that opened it: events go there. */
  owner: string;
  stream: Stream;
  ingest: IngestSession | undefined;
  /** Ended by the owner's ingest.close: no ingest.closed event back. */
  byOwner: boolean;
}

export class MediaAgent {
  readonly #o: MediaAgentOptions;
  readonly #served = new Map<string, Served>();
  #cpu = { usage: process.cpuUsage(), at: performance.now() };

  constructor(o: MediaAgentOptions) {
    this.#o = o;
    o.bus.serve<MediaCommands>({
      'ingest.open': (args, from) => this.#open(args, from),
      'ingest.answer': (args) => {
        const ingest = this.#require(args.ingestId).ingest;
        if (args.ssrc !== undefined) {
          ingest?.setExpectedSsrc(args.ssrc);
        }
        if (args.dial) {
          ingest?.connect(args.dial.host, args.dial.port);
        }
        if (args.trust !== undefined) {
          ingest?.trustDeviceAddress(args.trust);
        }
        return { ok: true };
      },
      'ingest.close': (args) => {
        const served = this.#served.get(args.ingestId);
        if (served) {
          served.byOwner = true;
          served.stream.close(args.reason);
        }
        return { ok: served !== undefined };
      },
    });
  }

  get size(): number {
    return this.#served.size;
  }

  async #open(args: OpenIngestArgs, owner: string): Promise<{ port: number; address: string }> {
    const { bus, log } = this.#o;
    // A new attempt for a stream this node still serves replaces the old one.
    this.#o.media.streams.get(args.streamId)?.close('replaced');
    const emit = <K extends keyof MediaEvents>(name: K, data: MediaEvents[K]) =>
      bus.emit<MediaEvents, K>(owner, name, data);
    const stream = new Stream({
      id: args.streamId,
      source: {
        start: () => Promise.resolve(), // the signaling node INVITEs
        stop: (cause) => this.#end(served, cause),
        requestKeyframe: () => emit('ingest.keyframe', { ingestId: args.ingestId }),
      },
      idleStopMs: this.#o.idleStopMs,
      noMediaTimeoutMs: this.#o.noMediaTimeoutMs,
      stallTimeoutMs: this.#o.stallTimeoutMs ?? 0,
    });
    const served: Served = {
      ingestId: args.ingestId,
      args,
      owner,
      stream,
      ingest: undefined,
      byOwner: false,
    };
    this.#o.media.streams.getOrCreate(args.streamId, () => stream);
    this.#served.set(args.ingestId, served);
    this.#o.media.attach(stream);
    try {
      served.ingest = await openIngestIntoHub({
        stream,
        transport: args.transport,
        bindHost: this.#o.bindHost,
        portPool: this.#o.media.portPool,
        expectedSsrc: args.expectedSsrc,
        deviceAddresses: args.deviceAddresses ?? [],
        onEvent: (event) => emit('ingest.event', { ingestId: args.ingestId, event }),
        onClose: (cause) => {
          if (!served.byOwner) {
            emit('ingest.closed', { ingestId: args.ingestId, cause });
          }
          stream.close(`media: ${cause}`);
        },
      });
    } catch (err) {
      served.byOwner = true;
      stream.close('ingest-failed');
      throw err;
    }
    if (stream.closed) {
      // Closed (by the owner, or replaced) while the port was being bound: release it.
      served.byOwner = true;
      served.ingest.close('closed-while-opening');
      throw new GatewayError('GW_ERR_PLAY_FAILED', `stream ${args.streamId} closed while its port was bound`);
    }
    stream.start().catch(() => undefined);
    log.info({ streamId: args.streamId, port: served.ingest.localPort, owner }, 'ingest open');
    return { port: served.ingest.localPort, address: this.#o.mediaIp };
  }

  /** The hub closed (idle, no media, shutdown, the owner's close): release the ingest. */
  #end(served: Served, cause: string): void {
    if (!this.#served.delete(served.ingestId)) {
      return;
    }
    if (served.ingest) {
      served.ingest.close(cause); // its onClose reports to the owner unless the owner asked
    } else if (!served.byOwner) {
      this.#o.bus.emit<MediaEvents, 'ingest.closed'>(served.owner, 'ingest.closed', {
        ingestId: served.ingestId,
        cause,
      });
    }
  }

  #require(ingestId: string): Served {
    const served = this.#served.get(ingestId);
    if (!served) {
      throw new GatewayError('GW_ERR_STREAM_NOT_FOUND', `no ingest ${ingestId} on this node`);
    }
    return served;
  }

  /** The streams this node serves, as the API shows them. */
  views(): StreamView[] {
    const streams = this.#streamViews();
    return [...this.#served.values()].map(({ args, stream }) => ({
      streamId: args.streamId,
      deviceId: args.deviceId,
      channelId: args.channelId,
      kind: args.kind,
      transport: args.transport,
      ...streams[args.streamId],
      startedAt: stream.info.startedAt?.toISOString() ?? null,
      // The dialog, and with it the stream asked for and answered, is the signaling node's.
      stream: null,
      answeredStream: null,
    }));
  }

  /** The load for the heartbeat, and the per-stream state the signaling node's API reports. */
  report(): { load: NodeLoad; streams: Record<string, RemoteStreamView> } {
    const now = performance.now();
    const usage = process.cpuUsage(this.#cpu.usage);
    const elapsedMs = Math.max(1, now - this.#cpu.at);
    this.#cpu = { usage: process.cpuUsage(), at: now };
    const cpuPercent = Math.round(((usage.user + usage.system) / 1000 / elapsedMs) * 1000) / 10;
    const streams = this.#streamViews();
    let bitrateIn = 0;
    let bitrateOut = 0;
    for (const v of Object.values(streams)) {
      const kbps = v.bitrateKbps ?? 0;
      bitrateIn += kbps;
      bitrateOut += kbps * (v.viewers.webrtc + v.viewers.hls);
    }
    return {
      load: {
        streams: this.#served.size,
        bitrateInKbps: Math.round(bitrateIn),
        bitrateOutKbps: Math.round(bitrateOut),
        cpuPercent,
      },
      streams,
    };
  }

  #streamViews(): Record<string, RemoteStreamView> {
    const streams: Record<string, RemoteStreamView> = {};
    for (const { stream, ingest } of this.#served.values()) {
      const info = stream.info;
      streams[stream.id] = {
        codec: { video: info.videoCodec ?? null, audio: info.audioCodec ?? null },
        width: info.width ?? null,
        height: info.height ?? null,
        fps: info.fps ?? null,
        bitrateKbps: info.bitrateKbps ?? null,
        packetsLost: ingest?.stats.lost ?? 0,
        viewers: this.#o.media.viewersOf(stream.id),
        state: info.state,
      };
    }
    return streams;
  }

  /** Shutdown: every hub closes, and each owner hears of it (its play sends BYE). */
  closeAll(cause: string): void {
    for (const served of [...this.#served.values()]) {
      served.stream.close(cause);
    }
  }
}
