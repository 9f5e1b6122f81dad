// Opens the media of one device leg (docs/voice.md §3): an AudioRtpSender in the form, law,
// transport and SSRC the device's INVITE asked for, on a port of the media range. Signalling
// (gateway/gb28181/upper/broadcast/) calls this before it answers the INVITE, since the answer
// carries our port, and never touches sockets itself (docs/architecture.md §5).
import type { G711Law } from '../../codecs/g711/law-convert.js';
import { AudioRtpSender, type AudioForm, type AudioRtpSenderStats } from '../outbound/audio-rtp-sender.js';
import type { PacerClock } from '../outbound/frame-pacer.js';
import type { RtpSocketTransport } from '../outbound/rtp-socket.js';
import type { TalkLeg } from './talk-session.js';

/** Ports of the media range (gateway/ingest/port-pool.ts PortPool satisfies it). */
export interface PortSource {
  bind<T>(bindTo: (port: number) => Promise<T>): Promise<{ port: number; value: T } | undefined>;
  release(port: number): void;
}

export interface TalkMediaOptions {
  /** Local address media sockets bind to. */
  bindHost: string;
  /** Address written into our SDP answers. */
  publicIp: string;
  /** The media port range; absent → ephemeral ports. */
  ports?: PortSource;
  clock?: PacerClock;
  /** Every RTP packet sent to a device (metrics). */
  onPacket?(form: AudioForm, bytes: number): void;
}

export interface OpenLegRequest {
  /** `deviceId/channelId`. */
  id: string;
  law: G711Law;
  form: AudioForm;
  payloadType: number;
  ssrc: number;
  /** Seen from our side: tcp-passive = we listen, tcp-active = we dial. */
  transport: RtpSocketTransport;
  remoteHost: string;
  remotePort: number;
  /** A file is queued whole; a live microphone keeps at most 200 ms. */
  source: 'live' | 'clip';
}

/** RFC 4145 §4: the active (dialing) side announces the discard port; it dials from any port. */
const ACTIVE_SIDE_PORT = 9;

export class DeviceLeg implements TalkLeg {
  readonly id: string;
  readonly law: G711Law;
  readonly form: AudioForm;
  readonly transport: RtpSocketTransport;
  readonly #sender: AudioRtpSender;
  readonly #release: () => void;
  #closed = false;

  constructor(req: OpenLegRequest, sender: AudioRtpSender, release: () => void) {
    this.id = req.id;
    this.law = req.law;
    this.form = req.form;
    this.transport = req.transport;
    this.#sender = sender;
    this.#release = release;
  }

  /** The port for our SDP answer. */
  get localPort(): number {
    return this.transport === 'tcp-active' ? ACTIVE_SIDE_PORT : this.#sender.socket.localPort;
  }

  get connected(): boolean {
    return this.#sender.socket.connected;
  }

  get stats(): AudioRtpSenderStats {
    return this.#sender.stats;
  }

  /** tcp-active: dial the device now (after our 200); the other transports are ready already. */
  async connect(): Promise<void> {
    if (this.transport === 'tcp-active' && !this.#closed) {
      await this.#sender.open();
    }
  }

  /** Resolves once packets can flow (a TCP device has connected, or we have). */
  whenConnected(): Promise<void> {
    return this.#sender.socket.whenConnected();
  }

  push(frame: Uint8Array): void {
    this.#sender.push(frame);
  }

  drained(): Promise<void> {
    return this.#sender.drained();
  }

  /** Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#sender.close();
    this.#release();
  }
}

export class TalkMedia {
  readonly #o: TalkMediaOptions;

  constructor(opts: TalkMediaOptions) {
    this.#o = opts;
  }

  get publicIp(): string {
    return this.#o.publicIp;
  }

  /** Binds (UDP) or listens (tcp-passive) on a port of the range; tcp-active dials in connect(). */
  async openLeg(req: OpenLegRequest): Promise<DeviceLeg> {
    const make = (localPort: number | undefined) =>
      new AudioRtpSender({
        ssrc: req.ssrc,
        law: req.law,
        form: req.form,
        payloadType: req.payloadType,
        socket: {
          transport: req.transport,
          remoteHost: req.remoteHost,
          remotePort: req.remotePort,
          bindHost: this.#o.bindHost,
          ...(localPort === undefined ? {} : { localPort }),
        },
        // A clip is queued whole: 10 minutes of 20 ms frames at most (the API's limit).
        maxQueueFrames: req.source === 'clip' ? 30_000 : 10,
        ...(this.#o.clock ? { clock: this.#o.clock } : {}),
        onPacket: (bytes) => this.#o.onPacket?.(req.form, bytes),
      });
    if (req.transport === 'tcp-active') {
      return new DeviceLeg(req, make(undefined), () => {});
    }
    const ports = this.#o.ports;
    if (!ports) {
      const sender = make(undefined);
      await sender.open();
      return new DeviceLeg(req, sender, () => {});
    }
    const bound = await ports.bind(async (port) => {
      const sender = make(port);
      await sender.open();
      return sender;
    });
    if (!bound) {
      throw new Error('no free port in the media port range for the talk');
    }
    return new DeviceLeg(req, bound.value, () => ports.release(bound.port));
  }
}
