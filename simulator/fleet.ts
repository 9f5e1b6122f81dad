// SimulatorFleet: many simulated lower platforms in one process. Each device is a LowerPlatform
// (protocol) over a SimulatedDevice (content); clips are loaded once and shared.
//
// Sockets. UDP: a few SIP sockets, each serving up to `devicesPerSocket` identities. One socket
// can carry any number of devices, because responses match client transactions by Via branch and
// requests are routed by Request-URI/To user (LowerSipRouter); we still use several so a burst
// (1,000 devices answering catalog queries at once) is spread over several kernel receive
// buffers, and the upper sees several source ports, as it would behind NATs. TCP: one transport per
// device, because a GB28181 upper ties a device to its own connection (docs/gb28181.md §1.5, 2022
// §9.1.1 f) and SipTransport keeps one outbound connection per remote address; 1,000 devices
// then hold 1,000 connections plus their idle listening sockets (~3 fds each).
import type { Logger } from '../gateway/log.js';
import { createLogger } from '../gateway/log.js';
import { LowerPlatform, type LowerPlatformState } from '../gateway/gb28181/lower/lower-platform.js';
import { LowerSipRouter } from '../gateway/gb28181/lower/sip-router.js';
import { vendorProfile, vendorProfiles } from '../gateway/gb28181/lower/vendor-profile.js';
import { SipTransport } from '../gateway/sip/transport.js';
import { SipUserAgent } from '../gateway/sip/user-agent.js';
import type { Clip } from './clip-loader.js';
import { alarmInputIdOf, SimulatedDevice } from './simulated-device.js';
import { AlarmGenerator } from './alarm-generator.js';
import type { ResolvedSimulatorOptions } from './options.js';

/** Unregistrations in flight at once when the fleet closes. */
const UNREGISTER_WINDOW = 64;

export interface FleetDevice {
  readonly deviceId: string;
  readonly platform: LowerPlatform;
  readonly backend: SimulatedDevice;
  /** Raises alarms while the device is registered (options alarmRatePerMin). */
  readonly alarms: AlarmGenerator;
}

interface SocketGroup {
  transport: SipTransport;
  ua: SipUserAgent;
  router: LowerSipRouter;
}

export interface FleetCounts {
  devices: number;
  registered: number;
  registering: number;
  failed: number;
  sessions: number;
}

/** The n-th device ID after `base`: the last six digits (the serial) advance. */
export function deviceIdAt(base: string, index: number): string {
  const serial = (Number(base.slice(14)) + index) % 1_000_000;
  return `${base.slice(0, 14)}${String(serial).padStart(6, '0')}`;
}

export class SimulatorFleet {
  readonly devices: FleetDevice[] = [];
  readonly #o: ResolvedSimulatorOptions;
  readonly #clips: readonly Clip[];
  readonly #subClips: readonly Clip[];
  readonly #groups: SocketGroup[] = [];
  readonly #log: Logger;
  readonly #timers = new Set<NodeJS.Timeout>();
  #closing: Promise<void> | undefined;

  constructor(opts: ResolvedSimulatorOptions, clips: readonly Clip[], subClips: readonly Clip[] = []) {
    this.#o = opts;
    this.#clips = clips;
    this.#subClips = subClips;
    this.#log = createLogger('simulator');
  }

  /** Open sockets, build every device, and start registrations spread over `registerSpreadMs`. */
  async start(): Promise<void> {
    const o = this.#o;
    const perSocket = o.transport === 'tcp' ? 1 : Math.max(1, o.devicesPerSocket);
    for (let i = 0; i < o.devices; i++) {
      if (i % perSocket === 0) {
        this.#groups.push(await this.#openGroup());
      }
      const group = this.#groups[this.#groups.length - 1];
      this.devices.push(this.#createDevice(deviceIdAt(o.deviceIdBase, i), group));
    }
    const spread = o.devices > 1 ? o.registerSpreadMs : 0;
    this.devices.forEach((d, i) => {
      const delay = spread * (i / Math.max(1, o.devices - 1));
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        if (!this.#closing) {
          void d.platform.start();
        }
      }, delay);
      this.#timers.add(timer);
    });
  }

  counts(): FleetCounts {
    const c: FleetCounts = {
      devices: this.devices.length,
      registered: 0,
      registering: 0,
      failed: 0,
      sessions: 0,
    };
    for (const d of this.devices) {
      const s: LowerPlatformState = d.platform.state;
      if (s === 'registered') {
        c.registered++;
      } else if (s === 'registering') {
        c.registering++;
      } else if (s === 'failed') {
        c.failed++;
      }
      c.sessions += d.platform.sessions.length;
    }
    return c;
  }

  /** Resolves when at least `count` devices are registered, or false after `timeoutMs`. */
  waitForRegistered(count = this.devices.length, timeoutMs = 30_000): Promise<boolean> {
    return new Promise((resolve) => {
      const deadline = Date.now() + timeoutMs;
      const check = (): void => {
        if (this.counts().registered >= count) {
          resolve(true);
        } else if (Date.now() >= deadline || this.#closing) {
          resolve(false);
        } else {
          setTimeout(check, 50);
        }
      };
      check();
    });
  }

  device(deviceId: string): FleetDevice | undefined {
    return this.devices.find((d) => d.deviceId === deviceId);
  }

  /**
   * Unregister every device, stop media, close sockets. Idempotent. At most `UNREGISTER_WINDOW`
   * unregistrations are in flight at once: 1,000 REGISTERs sent in one go overflow the upper's
   * UDP receive buffer (about 260 fit in Linux's default 208 KiB) and the rest crawl back through
   * T1 retransmissions for 15 s.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const t of this.#timers) {
        clearTimeout(t);
      }
      this.#timers.clear();
      const queue = [...this.devices];
      const worker = async (): Promise<void> => {
        for (let d = queue.shift(); d; d = queue.shift()) {
          await d.platform.close();
        }
      };
      await Promise.all(Array.from({ length: Math.min(UNREGISTER_WINDOW, queue.length) }, worker));
      for (const d of this.devices) {
        d.alarms.stop();
        d.backend.close();
      }
      for (const g of this.#groups) {
        await g.ua.close();
        await g.transport.close();
      }
    })();
    return this.#closing;
  }

  async #openGroup(): Promise<SocketGroup> {
    const o = this.#o;
    const transport = await SipTransport.listen({
      host: o.bindHost,
      port: o.sipPort === 0 ? 0 : o.sipPort + this.#groups.length,
      log: this.#log,
    });
    // No userAgent here: each platform writes its own vendor's User-Agent.
    const ua = new SipUserAgent({
      transport,
      localId: o.deviceIdBase,
      domain: o.realm,
      publicHost: o.publicHost,
      ...(o.timers ? { timers: o.timers } : {}),
      log: this.#log,
    });
    return { transport, ua, router: new LowerSipRouter(ua) };
  }

  #createDevice(deviceId: string, group: SocketGroup): FleetDevice {
    const o = this.#o;
    const profile = vendorProfile(o.vendor, {
      ...(o.omitPts ? { psMux: { ...vendorProfile(o.vendor).psMux, omitTimestamps: true } } : {}),
      ...(o.catalogPageSize !== undefined ? { catalogPageSize: o.catalogPageSize } : {}),
      ...(o.recordPageSize !== undefined ? { recordPageSize: o.recordPageSize } : {}),
      ...(o.answerSsrc !== undefined ? { answerSsrc: o.answerSsrc } : {}),
      ...(o.subStream !== undefined ? { subStream: o.subStream } : {}),
      ...(o.gbVersion === '2022' ? { gbVersionHeader: '3.0' as const } : {}),
      // Voice broadcast knobs (docs/voice.md §6): single fields of the vendor's behaviour.
      ...(o.broadcast ? { broadcast: { ...vendorProfiles[o.vendor].broadcast, ...o.broadcast } } : {}),
    });
    const backend = new SimulatedDevice({
      deviceId,
      channels: o.channels,
      clips: this.#clips,
      subClips: this.#subClips,
      presets: o.presets,
      manufacturer: profile.manufacturer,
      model: profile.model,
      firmware: profile.firmware,
      ampersandInNames: profile.rawAmpersand,
      timeZone: o.timeZone,
      log: this.#log,
      moving: o.moving,
    });
    const platform = new LowerPlatform({
      ua: group.ua,
      localId: deviceId,
      realm: o.realm,
      upper: { id: o.serverId, host: o.server.host, port: o.server.port, transport: o.transport },
      password: o.password,
      expiresSec: o.expiresSec,
      keepaliveIntervalSec: o.keepaliveIntervalSec,
      charset: o.charset,
      profile,
      backend,
      timeZone: o.timeZone,
      mediaHost: o.publicHost,
      mediaBindHost: o.bindHost,
      ...(hasFaults(o.faults)
        ? { mediaFaults: { ...o.faults, seed: (o.faults.seed ?? 1) + this.devices.length } }
        : {}),
      pagingFaults: o.paging,
      backoff: o.backoff,
      forbiddenRetryMs: o.forbiddenRetryMs,
      // A simulated camera restarts on TeleBoot as a real one does.
      rebootOnTeleBoot: { rebootMs: 1000 },
      log: this.#log,
    });
    group.router.add(platform);
    const alarms = new AlarmGenerator({
      ratePerMin: o.alarmRatePerMin,
      kinds: o.alarmTypes,
      channelIds: backend.channelIds,
      alarmInputId: alarmInputIdOf(deviceId),
      locate: (id, at) => backend.locate(id, at),
      firstAfterMs: o.firstAlarmAfterMs,
      seed: this.devices.length + 1,
      armed: () => backend.armed,
      raise: (alarm) =>
        void platform
          .raiseAlarm(alarm)
          .catch((err: unknown) => this.#log.warn({ err, deviceId }, 'simulated alarm not sent')),
    });
    // Alarms flow while registered: a device that lost its upper has nobody to tell.
    platform.on('state', (state) => (state === 'registered' ? alarms.start() : alarms.stop()));
    return { deviceId, platform, backend, alarms };
  }
}

function hasFaults(f: ResolvedSimulatorOptions['faults']): boolean {
  // wrongSsrc 0 (an SSRC of 0) and silentAfterSec 0 (silent from the start) are real choices;
  // the other knobs are off at 0.
  return Object.entries(f).some(([k, v]) =>
    k === 'wrongSsrc' || k === 'silentAfterSec' ? v !== undefined : k !== 'seed' && Boolean(v),
  );
}
