// The signaling node's MediaNodeClient: each play's ingest opens on the least-loaded live media
// node through the bus, and the node's events (first RTP, codec, keyframe requests, the end of
// the stream) come back to the play as if the ingest were local. Writes the stream directory.
import { GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import type {
  IngestRequest,
  MediaIngest,
  MediaNodeClient,
  RemoteStreamView,
} from '../media-plane/media-node-client.js';
import { chooseNode } from './node-chooser.js';
import type { NodeBus } from './node-bus.js';
import type { NodeTable } from './node-table.js';
import { reviveIngestEvent, type MediaCommands, type MediaEvents, type NodeStatus } from './protocol.js';
import type { StreamDirectory } from './stream-directory.js';

export interface RemoteMediaClientOptions {
  bus: NodeBus;
  table: NodeTable;
  directory: StreamDirectory;
  log: Logger;
  /** Binding a port is quick; a node that takes longer is treated as unavailable. Default 3000. */
  openTimeoutMs?: number;
  /** ingest.answer / ingest.close. Default 3000. */
  commandTimeoutMs?: number;
}

class RemoteIngest implements MediaIngest {
  readonly stats = undefined;
  #closed = false;
  readonly #codec: { video: string | null; audio: string | null } = { video: null, audio: null };

  /** Set from the node's answer to ingest.open. */
  address = '';
  localPort = 0;

  constructor(
    readonly ingestId: string,
    readonly node: NodeStatus,
    readonly req: IngestRequest,
    private readonly client: RemoteMediaClient,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  setExpectedSsrc(ssrc: number): void {
    this.client.command(this, 'ingest.answer', { ingestId: this.ingestId, ssrc });
  }

  trustDeviceAddress(address: string): void {
    this.client.command(this, 'ingest.answer', { ingestId: this.ingestId, trust: address });
  }

  connect(host: string, port: number): void {
    this.client.command(this, 'ingest.answer', { ingestId: this.ingestId, dial: { host, port } });
  }

  close(cause: string): void {
    if (this.ended(cause)) {
      this.client.command(this, 'ingest.close', { ingestId: this.ingestId, reason: cause });
    }
  }

  /** Marks the ingest over and tells the play; false when it already was. */
  ended(cause: string): boolean {
    if (this.#closed) {
      return false;
    }
    this.#closed = true;
    this.client.forget(this);
    this.req.onClose(cause);
    return true;
  }

  event(e: MediaEvents['ingest.event']['event']): void {
    if (e.type === 'codec') {
      this.#codec.video = e.video ?? this.#codec.video;
      this.#codec.audio = e.audio ?? this.#codec.audio;
    }
    this.req.onEvent(reviveIngestEvent(e));
  }

  view(): RemoteStreamView | undefined {
    const reported = this.client.latestStatus(this.node.nodeId)?.streams[this.req.streamId];
    const codec = {
      video: reported?.codec.video ?? this.#codec.video,
      audio: reported?.codec.audio ?? this.#codec.audio,
    };
    if (!reported) {
      return codec.video || codec.audio ? { ...EMPTY_VIEW, codec } : undefined;
    }
    return { ...reported, codec };
  }
}

const EMPTY_VIEW: RemoteStreamView = {
  codec: { video: null, audio: null },
  width: null,
  height: null,
  fps: null,
  bitrateKbps: null,
  packetsLost: 0,
  viewers: { webrtc: 0, hls: 0 },
  state: 'starting',
};

export class RemoteMediaClient implements MediaNodeClient {
  readonly #o: RemoteMediaClientOptions;
  readonly #ingests = new Map<string, RemoteIngest>();
  /** Stream ID → its current ingest (the newest attempt). */
  readonly #byStream = new Map<string, RemoteIngest>();
  #seq = 0;

  constructor(o: RemoteMediaClientOptions) {
    this.#o = o;
    o.bus.listen<MediaEvents>({
      'ingest.event': (d) => this.#ingests.get(d.ingestId)?.event(d.event),
      'ingest.closed': (d) => this.#ingests.get(d.ingestId)?.ended(d.cause),
      'ingest.keyframe': (d) => this.#ingests.get(d.ingestId)?.req.onKeyframeRequest(),
    });
  }

  async open(req: IngestRequest): Promise<MediaIngest> {
    const node = chooseNode(
      this.#o.table.alive().map((status) => ({ status, assigned: this.#assigned(status.nodeId) })),
    );
    if (!node) {
      throw new GatewayError('GW_ERR_NODE_UNAVAILABLE', 'no media node is alive');
    }
    const ingestId = `${req.streamId}~${this.#o.bus.nodeId}~${++this.#seq}`;
    // Registered before the request: the node's first events can overtake its reply.
    const ingest = new RemoteIngest(ingestId, node, req, this);
    this.#ingests.set(ingestId, ingest);
    let opened: MediaCommands['ingest.open']['result'];
    try {
      opened = await this.#o.bus.request<MediaCommands, 'ingest.open'>(
        node.nodeId,
        'ingest.open',
        {
          ingestId,
          streamId: req.streamId,
          deviceId: req.deviceId,
          channelId: req.channelId,
          kind: req.kind,
          transport: req.transport,
          expectedSsrc: req.expectedSsrc,
          deviceAddresses: [...req.deviceAddresses],
        },
        this.#o.openTimeoutMs ?? 3000,
      );
    } catch (err) {
      this.#ingests.delete(ingestId);
      throw err;
    }
    ingest.address = opened.address;
    ingest.localPort = opened.port;
    if (ingest.closed) {
      throw new GatewayError('GW_ERR_PLAY_FAILED', `the media node ended the ingest at once`);
    }
    this.#byStream.set(req.streamId, ingest);
    await this.#o.directory
      .put({
        streamId: req.streamId,
        nodeId: node.nodeId,
        http: node.http,
        ingestId,
        deviceId: req.deviceId,
        channelId: req.channelId,
        kind: req.kind,
        since: new Date().toISOString(),
      })
      .catch((err: unknown) =>
        this.#o.log.warn({ err, streamId: req.streamId }, 'stream directory not written'),
      );
    if (ingest.closed) {
      // Ended while the entry was written: take the entry back out.
      this.forget(ingest);
    }
    this.#o.log.info(
      { streamId: req.streamId, nodeId: node.nodeId, port: opened.port },
      'ingest opened on media node',
    );
    return ingest;
  }

  /** The node serving `streamId` now, for the URLs of a live/playback answer. */
  nodeOf(streamId: string): NodeStatus | undefined {
    const ingest = this.#byStream.get(streamId);
    return ingest && !ingest.closed ? ingest.node : undefined;
  }

  /** Stream IDs with an ingest open on `nodeId`. */
  streamsOn(nodeId: string): string[] {
    return [...this.#byStream.values()].filter((i) => i.node.nodeId === nodeId).map((i) => i.req.streamId);
  }

  /**
   * The node is gone or leaving: every ingest on it ends with `cause` (each play then BYEs its
   * device). A leaving node still listens and releases the ports; a dead one does not answer.
   */
  dropNode(nodeId: string, cause: string): void {
    for (const ingest of [...this.#ingests.values()]) {
      if (ingest.node.nodeId === nodeId && ingest.ended(cause)) {
        this.command(ingest, 'ingest.close', { ingestId: ingest.ingestId, reason: cause }, true);
      }
    }
  }

  latestStatus(nodeId: string): NodeStatus | undefined {
    return this.#o.table.get(nodeId);
  }

  /** Sends a command for `ingest` without waiting; failures are logged (a lost node is handled by failover). */
  command<K extends 'ingest.answer' | 'ingest.close'>(
    ingest: RemoteIngest,
    method: K,
    args: MediaCommands[K]['args'],
    quiet = false,
  ): void {
    this.#o.bus
      .request<MediaCommands, K>(ingest.node.nodeId, method, args, this.#o.commandTimeoutMs ?? 3000)
      .catch((err: unknown) => {
        if (!quiet) {
          this.#o.log.warn(
            { err: String(err), nodeId: ingest.node.nodeId, method },
            'media node command failed',
          );
        }
      });
  }

  forget(ingest: RemoteIngest): void {
    this.#ingests.delete(ingest.ingestId);
    if (this.#byStream.get(ingest.req.streamId) === ingest) {
      this.#byStream.delete(ingest.req.streamId);
    }
    this.#o.directory
      .removeIfOwned(ingest.req.streamId, ingest.ingestId)
      .catch((err: unknown) =>
        this.#o.log.warn({ err, streamId: ingest.req.streamId }, 'stream directory entry not removed'),
      );
  }

  #assigned(nodeId: string): number {
    let n = 0;
    for (const i of this.#ingests.values()) {
      if (i.node.nodeId === nodeId) {
        n++;
      }
    }
    return n;
  }
}
