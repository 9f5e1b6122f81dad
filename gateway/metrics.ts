// Prometheus metrics (prom-client). The only module that imports prom-client: the rest of the
// gateway calls these typed methods, and gauges are read from live state at scrape time. The
// exposition passes `promtool check metrics` without a finding (docs/api.md §7): counters end
// in _total and nothing else does, and every counter whose label values are known is there at
// 0 before its first event, so rate() and alerts see it from the first scrape.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The SIP methods GB/T 28181 uses (docs/gb28181.md), counted from 0 both ways. */
const SIP_METHODS = [
  'REGISTER',
  'MESSAGE',
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'INFO',
  'SUBSCRIBE',
  'NOTIFY',
  'OPTIONS',
];
/** Media transports of GB/T 28181 RTP (the ingest labels). */
const MEDIA_TRANSPORTS = ['udp', 'tcp-passive', 'tcp-active'];

/**
 * prom-client's default process and Node.js metrics, minus the gauges it names like counters
 * (nodejs_active_handles_total, nodejs_active_requests_total, nodejs_active_resources_total:
 * promtool's "non-counter metrics should not have _total suffix"); their values are also
 * exported without the suffix (nodejs_active_handles, ...).
 */
function registerDefaultMetrics(registry: Registry): void {
  const all = new Registry();
  collectDefaultMetrics({ register: all });
  for (const { name, type } of all.getMetricsAsArray()) {
    const metric = all.getSingleMetric(name);
    if (metric && !(name.endsWith('_total') && String(type) !== 'counter')) {
      registry.registerMetric(metric);
    }
  }
}

export interface MetricsSources {
  devices(): { online: number; offline: number };
  channels(): number;
  streams(): readonly { kind: string; transport: string }[];
  viewers(): { webrtc: number; hls: number };
}

export interface IngestDelta {
  bytes: number;
  packets: number;
  lost: number;
  reordered: number;
  demuxErrors: number;
  ssrcMismatches: number;
  /** UDP packets from a source other than the locked one (gateway/ingest/source-lock.ts). */
  sourceMismatches: number;
  /** Datagrams or framed packets at a media port that were not RTP (junk, stray RTCP). */
  nonRtp: number;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  private readonly sipRequests: Counter<'method' | 'direction'>;
  private readonly sipResponses: Counter<'method' | 'code' | 'direction'>;
  private readonly registrationFailures: Counter<'reason'>;
  private readonly authFailures: Counter;
  private readonly authThrottled: Counter<'scope'>;
  private readonly keepaliveLateness: Histogram;
  private readonly bytesIn: Counter<'transport'>;
  private readonly packetsIn: Counter<'transport'>;
  private readonly packetsLost: Counter<'transport'>;
  private readonly packetsReordered: Counter<'transport'>;
  private readonly demuxErrors: Counter;
  private readonly ssrcMismatches: Counter;
  private readonly sourceMismatches: Counter;
  private readonly nonRtp: Counter<'transport'>;
  private readonly inviteToKeyframe: Histogram<'kind'>;
  private readonly deviceEvents: Counter<'event' | 'device'> | undefined;

  /**
   * @param perDeviceLabels adds device-labelled series; off by default (cardinality).
   * @param registrationFailureReasons the registrar's reasons, emitted at 0 from the start.
   */
  constructor(
    sources: MetricsSources,
    opts: { perDeviceLabels?: boolean; prefix?: string; registrationFailureReasons?: readonly string[] } = {},
  ) {
    const p = opts.prefix ?? 'gb_';
    const registers = [this.registry];
    registerDefaultMetrics(this.registry);

    new Gauge({
      name: `${p}devices`,
      help: 'Known devices by state',
      labelNames: ['state'],
      registers,
      collect() {
        const d = sources.devices();
        this.set({ state: 'online' }, d.online);
        this.set({ state: 'offline' }, d.offline);
      },
    });
    new Gauge({
      name: `${p}channels`,
      help: 'Channels in the catalog of all devices',
      registers,
      collect() {
        this.set(sources.channels());
      },
    });
    new Gauge({
      name: `${p}streams_active`,
      help: 'Active streams by kind and media transport',
      labelNames: ['kind', 'transport'],
      registers,
      collect() {
        this.reset();
        for (const s of sources.streams()) {
          this.inc({ kind: s.kind, transport: s.transport });
        }
      },
    });
    new Gauge({
      name: `${p}viewers`,
      help: 'Viewers by output',
      labelNames: ['output'],
      registers,
      collect() {
        const v = sources.viewers();
        this.set({ output: 'webrtc' }, v.webrtc);
        this.set({ output: 'hls' }, v.hls);
      },
    });
    this.sipRequests = new Counter({
      name: `${p}sip_requests_total`,
      help: 'SIP requests by method and direction',
      labelNames: ['method', 'direction'],
      registers,
    });
    this.sipResponses = new Counter({
      name: `${p}sip_responses_total`,
      help: 'SIP responses by method, status code and direction',
      labelNames: ['method', 'code', 'direction'],
      registers,
    });
    this.registrationFailures = new Counter({
      name: `${p}registration_failures_total`,
      help: 'Failed REGISTER attempts by reason',
      labelNames: ['reason'],
      registers,
    });
    for (const method of SIP_METHODS) {
      for (const direction of ['in', 'out']) {
        this.sipRequests.inc({ method, direction }, 0);
      }
    }
    for (const reason of opts.registrationFailureReasons ?? []) {
      this.registrationFailures.inc({ reason }, 0);
    }
    this.authFailures = new Counter({
      name: `${p}sip_auth_failures_total`,
      help: 'REGISTER digest answers checked and found wrong (password guesses), whatever the device ID',
      registers,
    });
    this.authThrottled = new Counter({
      name: `${p}sip_auth_throttled_total`,
      help:
        'REGISTERs refused without checking their digest: the device ID was locked at that address ' +
        '(scope="device") or the source address was backing off after failures across IDs (scope="address")',
      labelNames: ['scope'],
      registers,
    });
    for (const scope of ['device', 'address']) {
      this.authThrottled.inc({ scope }, 0);
    }
    this.keepaliveLateness = new Histogram({
      name: `${p}keepalive_lateness_seconds`,
      help: 'How late a keepalive arrived past its interval',
      buckets: [0, 1, 5, 15, 30, 60, 120],
      registers,
    });
    this.bytesIn = new Counter({
      name: `${p}media_bytes_received_total`,
      help: 'RTP bytes received',
      labelNames: ['transport'],
      registers,
    });
    this.packetsIn = new Counter({
      name: `${p}media_packets_received_total`,
      help: 'RTP packets received',
      labelNames: ['transport'],
      registers,
    });
    this.packetsLost = new Counter({
      name: `${p}media_packets_lost_total`,
      help: 'RTP packets lost (sequence gaps)',
      labelNames: ['transport'],
      registers,
    });
    this.packetsReordered = new Counter({
      name: `${p}media_packets_reordered_total`,
      help: 'RTP packets that arrived out of order',
      labelNames: ['transport'],
      registers,
    });
    for (const transport of MEDIA_TRANSPORTS) {
      for (const c of [this.bytesIn, this.packetsIn, this.packetsLost, this.packetsReordered]) {
        c.inc({ transport }, 0);
      }
    }
    this.demuxErrors = new Counter({
      name: `${p}ps_demux_errors_total`,
      help: 'PS demuxer resyncs and dropped access units',
      registers,
    });
    this.ssrcMismatches = new Counter({
      name: `${p}ssrc_mismatches_total`,
      help: 'RTP packets whose SSRC differed from the expected one',
      registers,
    });
    this.sourceMismatches = new Counter({
      name: `${p}rtp_source_mismatches_total`,
      help: "RTP packets kept out because they came from a source other than the stream's device",
      registers,
    });
    this.nonRtp = new Counter({
      name: `${p}rtp_non_rtp_packets_total`,
      help: 'Packets at a media port that were not RTP (junk, stray RTCP), dropped before the demuxer',
      labelNames: ['transport'],
      registers,
    });
    for (const transport of ['udp', 'tcp-passive', 'tcp-active']) {
      this.nonRtp.inc({ transport }, 0);
    }
    this.inviteToKeyframe = new Histogram({
      name: `${p}invite_to_first_keyframe_seconds`,
      help: 'Time from INVITE to the first keyframe',
      labelNames: ['kind'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20],
      registers,
    });
    if (opts.perDeviceLabels) {
      this.deviceEvents = new Counter({
        name: `${p}device_events_total`,
        help: 'Device events by device',
        labelNames: ['event', 'device'],
        registers,
      });
    }
  }

  sipRequest(method: string, direction: 'in' | 'out'): void {
    this.sipRequests.inc({ method, direction });
  }

  sipResponse(method: string, code: number, direction: 'in' | 'out'): void {
    this.sipResponses.inc({ method, code: String(code), direction });
  }

  /** A refused REGISTER, by the registrar's reason (gb28181/upper/registrar.ts RegisterFailure). */
  registrationFailed(reason: string, deviceId?: string): void {
    this.registrationFailures.inc({ reason });
    if (reason === 'wrong-password') {
      this.authFailures.inc();
    } else if (reason === 'locked-out') {
      this.authThrottled.inc({ scope: 'device' });
    } else if (reason === 'throttled') {
      this.authThrottled.inc({ scope: 'address' });
    }
    if (deviceId) {
      this.deviceEvents?.inc({ event: 'registration_failed', device: deviceId });
    }
  }

  keepalive(latenessSec: number, deviceId?: string): void {
    this.keepaliveLateness.observe(Math.max(0, latenessSec));
    if (deviceId) {
      this.deviceEvents?.inc({ event: 'keepalive', device: deviceId });
    }
  }

  ingest(transport: string, d: IngestDelta): void {
    if (d.bytes > 0) {
      this.bytesIn.inc({ transport }, d.bytes);
    }
    if (d.packets > 0) {
      this.packetsIn.inc({ transport }, d.packets);
    }
    if (d.lost > 0) {
      this.packetsLost.inc({ transport }, d.lost);
    }
    if (d.reordered > 0) {
      this.packetsReordered.inc({ transport }, d.reordered);
    }
    if (d.demuxErrors > 0) {
      this.demuxErrors.inc(d.demuxErrors);
    }
    if (d.ssrcMismatches > 0) {
      this.ssrcMismatches.inc(d.ssrcMismatches);
    }
    if (d.sourceMismatches > 0) {
      this.sourceMismatches.inc(d.sourceMismatches);
    }
    if (d.nonRtp > 0) {
      this.nonRtp.inc({ transport }, d.nonRtp);
    }
  }

  firstKeyframe(kind: string, secondsSinceInvite: number): void {
    this.inviteToKeyframe.observe({ kind }, secondsSinceInvite);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
