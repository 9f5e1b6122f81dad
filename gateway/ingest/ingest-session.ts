// IngestSession: one receive port for one GB28181 media stream (docs/architecture.md §2). Binds UDP or
// listens on TCP before the INVITE leaves (Dahua sends at 200 OK, before the ACK: ZLM #2390),
// and runs packets through RtpPsPipeline. Silence is not judged here: the stream hub's no-media
// timer is the one (gateway/hub/stream.ts), and it closes the ingest through its owner.
import type { AccessUnit } from '../../codecs/types.js';
import { GatewayError } from '../errors.js';
import { createLogger } from '../log.js';
import type { IngestEvent, MediaTransport } from './ingest-events.js';
import { LogThrottle } from '../log-throttle.js';
import type { PortPool } from './port-pool.js';
import { RtpPsPipeline, type IngestStats } from './rtp-ps-pipeline.js';
import type { MediaSource } from './source-lock.js';
import type { SsrcMode } from './ssrc-guard.js';
import { TcpActiveReceiver } from './tcp-active-receiver.js';
import { TcpPassiveReceiver } from './tcp-passive-receiver.js';
import { UdpReceiver } from './udp-receiver.js';

export type { IngestEvent, MediaTransport } from './ingest-events.js';
export type { IngestStats } from './rtp-ps-pipeline.js';

const log = createLogger('gateway:ingest');

export interface IngestOptions {
  transport: MediaTransport;
  /** Local address to bind (UDP, TCP listen, and the source of tcp-active dials). */
  bindHost: string;
  portPool: PortPool;
  /** The y= SSRC of our offer; update with setExpectedSsrc() from the answer. */
  expectedSsrc?: number;
  /** Default 'learn-first'; see ssrc-guard.ts for the rules. */
  ssrcMode?: SsrcMode;
  /**
   * Addresses signaling named for the device (its registration's contact/received address;
   * the SDP answer's c= via trustDeviceAddress()). UDP takes packets only from the first
   * source that delivers accepted ones; a source at one of these addresses may take over
   * (source-lock.ts).
   */
  deviceAddresses?: readonly string[];
  /** Default 64 packets. */
  reorderWindow?: number;
  /** tcp-active dial policy; defaults 3 retries, 1000 ms apart (GB/T 28181-2022 Annex D). */
  connectRetries?: number;
  connectRetryDelayMs?: number;
  onAccessUnit(au: AccessUnit): void;
  /** A listener that throws is logged and contained. */
  onEvent?(e: IngestEvent): void;
  /** Called once, after close, with the cause ('connect-failed', or the caller's). */
  onClose?(cause: string): void;
}

type Receiver = UdpReceiver | TcpPassiveReceiver | TcpActiveReceiver;

export class IngestSession {
  readonly transport: MediaTransport;
  private port = 0;
  private receiver: Receiver | undefined;
  private readonly pipeline: RtpPsPipeline;
  private readonly opts: IngestOptions;
  private closedWith: string | undefined;
  private faults = 0;
  private readonly throttle = new LogThrottle(log);

  private constructor(opts: IngestOptions) {
    this.opts = opts;
    this.transport = opts.transport;
    this.pipeline = new RtpPsPipeline({
      ssrcMode: opts.ssrcMode,
      expectedSsrc: opts.expectedSsrc,
      lockSource: opts.transport === 'udp',
      deviceAddresses: opts.deviceAddresses,
      reorderWindow: opts.reorderWindow,
      onAccessUnit: (au) => {
        if (this.closedWith !== undefined) {
          return;
        }
        try {
          opts.onAccessUnit(au);
        } catch (err) {
          this.fault('onAccessUnit threw', err);
        }
      },
      onEvent: (e) => this.emit(e),
      label: opts.transport,
    });
  }

  /** Resolves once the port is bound (UDP) or listening (TCP passive); tcp-active only reserves it. */
  static async open(opts: IngestOptions): Promise<IngestSession> {
    const session = new IngestSession(opts);
    await session.bind();
    return session;
  }

  get localPort(): number {
    return this.port;
  }

  private async bind(): Promise<void> {
    const { portPool: pool, bindHost, transport } = this.opts;
    const onPacket = (bytes: Uint8Array, address: string, port: number) =>
      this.onPacket(bytes, address, port);
    const onEvent = (e: IngestEvent) => this.emit(e);
    const onDiscontinuity = () => this.pipeline.discontinuity();
    let bound: { port: number; value: Receiver } | undefined;
    if (transport === 'udp') {
      bound = await pool.bind((port) => UdpReceiver.bind(bindHost, port, onPacket));
    } else if (transport === 'tcp-passive') {
      bound = await pool.bind((port) =>
        TcpPassiveReceiver.listen(bindHost, port, { onPacket, onEvent, onDiscontinuity }),
      );
    } else {
      const port = pool.allocate();
      if (port !== undefined) {
        const receiver = new TcpActiveReceiver({
          localHost: bindHost,
          localPort: port,
          onPacket,
          onEvent,
          onDiscontinuity,
          onGiveUp: (reason) => this.close(reason),
          retries: this.opts.connectRetries,
          retryDelayMs: this.opts.connectRetryDelayMs,
        });
        bound = { port, value: receiver };
      }
    }
    if (!bound) {
      const { min, max } = pool.range;
      throw new GatewayError('GW_ERR_NO_MEDIA_PORT', `no free media port in ${min}-${max}`);
    }
    this.port = bound.port;
    this.receiver = bound.value;
    this.emit({ type: 'listening', transport, port: bound.port });
  }

  /** The socket boundary: nothing a remote party sends may throw out of here. */
  private onPacket(bytes: Uint8Array, address: string, port: number): void {
    if (this.closedWith !== undefined) {
      return;
    }
    try {
      this.pipeline.push(bytes, address, port);
    } catch (err) {
      this.fault('ingest pipeline threw', err);
    }
  }

  get stats(): IngestStats & {
    transport: MediaTransport;
    localPort: number;
    ssrc?: number;
    /** UDP: the locked source, once the first packet was accepted. */
    source?: MediaSource;
    framingResyncs: number;
    framingDroppedBytes: number;
  } {
    const framing = this.receiver instanceof UdpReceiver ? undefined : this.receiver?.framerStats;
    return {
      ...this.pipeline.stats,
      transport: this.transport,
      localPort: this.port,
      ssrc: this.pipeline.ssrc,
      source: this.pipeline.source,
      // RFC 4571 resyncs of the current TCP connection (a corrupted byte stream, ZLM #571).
      framingResyncs: framing?.resyncs ?? 0,
      framingDroppedBytes: framing?.droppedBytes ?? 0,
    };
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  get closeCause(): string | undefined {
    return this.closedWith;
  }

  /** TCP: the remote end of the media connection, while one is up. */
  get remote(): { address: string; port: number } | undefined {
    return this.receiver instanceof UdpReceiver ? undefined : this.receiver?.connection;
  }

  /** tcp-active: dial the device's answer address (c=/m= of its 200 OK). */
  connect(host: string, port: number): void {
    if (!(this.receiver instanceof TcpActiveReceiver)) {
      throw new Error(`connect() needs transport tcp-active, not ${this.transport}`);
    }
    this.receiver.connect(host, port);
  }

  /** The 200 OK may carry a different y= (wvp #127, #507). */
  setExpectedSsrc(ssrc: number): void {
    this.pipeline.setExpectedSsrc(ssrc);
  }

  /**
   * UDP: an address signaling named for the device (the c= of its SDP answer, its REGISTER
   * contact or received address). A source there may take over from the locked one; any
   * other source is kept out once the first accepted source is locked.
   */
  trustDeviceAddress(address: string): void {
    this.pipeline.trustDeviceAddress(address);
  }

  /**
   * Idempotent: stops receiving, emits the access units still complete in the pipeline,
   * releases the port, then calls onClose(cause).
   */
  close(cause: string): void {
    if (this.closedWith !== undefined) {
      return;
    }
    this.receiver?.close();
    try {
      this.pipeline.flush();
      this.closedWith = cause;
    } catch (err) {
      this.closedWith = cause;
      log.error({ err, port: this.localPort }, 'flushing the ingest pipeline threw');
    }
    this.opts.portPool.release(this.localPort);
    log.info(
      { port: this.localPort, transport: this.transport, cause, stats: this.pipeline.stats },
      'ingest closed',
    );
    this.opts.onClose?.(cause);
  }

  private fault(msg: string, err: unknown): void {
    this.faults++;
    this.throttle.error(msg, { err, port: this.localPort, faults: this.faults }, msg);
  }

  private emit(e: IngestEvent): void {
    if (this.closedWith !== undefined || !this.opts.onEvent) {
      return;
    }
    try {
      this.opts.onEvent(e);
    } catch (err) {
      log.error({ err, event: e.type }, 'ingest event listener threw');
    }
  }
}
