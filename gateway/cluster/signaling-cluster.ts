// Everything --role signaling adds to the single-process gateway: plays open their ingest on a
// media node (remote-media-client.ts), the device store is mirrored to Redis, WHEP/HLS requests
// are redirected to the serving node, other nodes' API calls (events ones included) are
// answered, the event stream is copied to Redis, and a lost media node's streams are invited
// again elsewhere. main.ts builds it and wires it in.
import express, { type RequestHandler, type Router } from 'express';
import type { GatewayServices } from '../views/services.js';
import type { PlayIdentity } from '../gb28181/upper/upper-platform.js';
import type { StreamView } from '../views/services.js';
import type { Logger } from '../log.js';
import type { DeviceStore } from '../store/device-store.js';
import type { DeviceEventControl, EventsServices, GatewayEvent } from '../views/events.js';
import { serveApi } from './api-forwarding.js';
import { EventStreamPublisher } from './event-stream-publisher.js';
import { serveEvents } from './events-forwarding.js';
import { MirroredDeviceStore } from './device-mirror.js';
import { failOver } from './failover.js';
import { NodeBus } from './node-bus.js';
import { NodeTable } from './node-table.js';
import { redirectToServingNode } from './redirect.js';
import { RemoteMediaClient } from './remote-media-client.js';
import { connectRedis, type ClusterSettings, type RedisPair } from './roles.js';
import { StreamDirectory } from './stream-directory.js';

/** The parts of the upper platform the cluster drives. */
export interface ClusterPlays extends GatewayServices {
  playIdentity(streamId: string): PlayIdentity | undefined;
  replay(id: PlayIdentity, cause: string): Promise<StreamView>;
}

export class SignalingCluster {
  readonly media: RemoteMediaClient;
  readonly table: NodeTable;
  readonly directory: StreamDirectory;
  readonly #s: ClusterSettings;
  readonly #conn: RedisPair;
  readonly #bus: NodeBus;
  readonly #log: Logger;
  #mirror: MirroredDeviceStore | undefined;
  #presence: NodeJS.Timeout | undefined;
  #stopEvents: (() => Promise<void>) | undefined;
  #closed: Promise<void> | undefined;

  private constructor(s: ClusterSettings, conn: RedisPair, bus: NodeBus, table: NodeTable, log: Logger) {
    this.#s = s;
    this.#conn = conn;
    this.#bus = bus;
    this.#log = log;
    this.table = table;
    this.directory = new StreamDirectory(conn.redis, s.keys);
    this.media = new RemoteMediaClient({
      bus,
      table,
      directory: this.directory,
      log: log.child({ part: 'media-client' }),
    });
  }

  static async connect(s: ClusterSettings, log: Logger): Promise<SignalingCluster> {
    const conn = await connectRedis(s.redisUrl, log);
    const bus = await NodeBus.start({ nodeId: s.nodeId, keys: s.keys, pub: conn.redis, sub: conn.sub, log });
    const table = new NodeTable({
      redis: conn.redis,
      sub: conn.sub,
      keys: s.keys,
      log,
      timeoutMs: s.nodeTimeoutMs,
    });
    await table.start();
    log.info(
      { nodeId: s.nodeId, mediaNodes: table.alive().map((n) => n.nodeId) },
      'signaling node joined the cluster',
    );
    return new SignalingCluster(s, conn, bus, table, log);
  }

  /** The device store every node's API reads: SQLite here, copied to Redis. */
  mirrorStore(store: DeviceStore): MirroredDeviceStore {
    this.#mirror = new MirroredDeviceStore(store, {
      redis: this.#conn.redis,
      keys: this.#s.keys,
      log: this.#log,
    });
    return this.#mirror;
  }

  /**
   * The events API for the other nodes (docs/events.md §10): their calls are answered here, and
   * every event the bus publishes is copied to the Redis stream their SSE clients read.
   */
  shareEvents(
    events: EventsServices,
    control: DeviceEventControl,
    bus: { onAny(listener: (e: GatewayEvent) => void): () => void },
    backlog: number,
  ): void {
    serveEvents(this.#bus, events, control);
    const publisher = new EventStreamPublisher({
      redis: this.#conn.redis,
      key: this.#s.keys.events,
      maxLen: backlog,
      log: this.#log.child({ part: 'event-stream' }),
    });
    const off = bus.onAny((e) => publisher.publish(e));
    this.#stopEvents = async () => {
      off();
      await publisher.close();
    };
  }

  /** Absolute base URL of the node serving `streamId`, for live/playback answers. */
  mediaBase(streamId: string): string | undefined {
    return this.media.nodeOf(streamId)?.http.replace(/\/+$/, '');
  }

  #redirect(): RequestHandler {
    return redirectToServingNode({
      nodeId: this.#s.nodeId,
      servesLocally: () => false,
      lookup: (id) => this.directory.get(id),
      isAlive: (id) => this.table.get(id) !== undefined,
      log: this.#log,
    });
  }

  /** Mounted where the HLS router would be (/hls): every request goes to the serving node. */
  hlsRedirect(): Router {
    const r = express.Router();
    r.use('/:streamId', this.#redirect());
    return r;
  }

  /** Mounted where the WHEP router would be (at the root). */
  whepRedirect(): Router {
    const r = express.Router();
    r.use('/whep/:streamId', this.#redirect());
    return r;
  }

  /** After the HTTP server listens and the upper platform started. */
  async attach(plays: ClusterPlays, httpBase: string): Promise<void> {
    serveApi(this.#bus, plays, (id) => this.mediaBase(id));
    await this.#mirror?.syncAll();
    this.table.events.on('lost', (nodeId) => {
      failOver(
        {
          streamsOn: (id) => this.media.streamsOn(id),
          directoryOn: (id) => this.directory.listOnNode(id),
          playIdentity: (id) => plays.playIdentity(id),
          dropNode: (id, cause) => this.media.dropNode(id, cause),
          replay: (id, cause) => plays.replay(id, cause),
          log: this.#log,
        },
        nodeId,
      ).catch((err: unknown) => this.#log.error({ err, nodeId }, 'media node failover failed'));
    });
    const presence = JSON.stringify({ nodeId: this.#s.nodeId, http: httpBase });
    const announce = () =>
      this.#conn.redis
        .set(this.#s.keys.signaling, presence, 'PX', this.#s.nodeTimeoutMs)
        .catch((err: unknown) => this.#log.warn({ err }, 'signaling presence not written'));
    await announce();
    this.#presence = setInterval(() => void announce(), this.#s.heartbeatMs);
    this.#presence.unref();
  }

  /** Idempotent. Call after the plays ended (their BYEs and ingest.close commands sent). */
  close(): Promise<void> {
    return (this.#closed ??= (async () => {
      clearInterval(this.#presence);
      await this.#stopEvents?.();
      await this.#mirror?.stopMirroring();
      await this.#conn.redis.del(this.#s.keys.signaling).catch(() => undefined);
      await this.table.close();
      await this.#bus.close();
      await this.#conn.close();
    })());
  }
}
