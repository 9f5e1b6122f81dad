// Options of the simulator (startSimulator and the CLI), with their defaults in one place.
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { FaultOptions } from '../gateway/outbound/ps-rtp-sender.js';
import type { BackoffOptions } from '../gateway/gb28181/lower/backoff.js';
import type { PagingFaults } from '../gateway/gb28181/lower/paged-sender.js';
import type {
  AnswerSsrcMode,
  BroadcastBehaviour,
  SubStreamMode,
  VendorName,
} from '../gateway/gb28181/lower/vendor-profile.js';
import type { ManscdpCharset } from '../gateway/gb28181/manscdp/charset.js';
import { DEFAULT_TIME_ZONE } from '../gateway/gb28181/gb-date.js';
import type { SipTimerOptions } from '../gateway/sip/timers.js';
import { SIM_ALARM_KINDS, type SimAlarmKind } from './alarm-generator.js';

/** Single fields of a vendor's voice broadcast behaviour to replace. */
export type BroadcastOverrides = { -readonly [K in keyof BroadcastBehaviour]?: BroadcastBehaviour[K] };

export interface SimulatorOptions {
  /** The upper platform's SIP address. Required. */
  server: { host: string; port: number };
  /** The upper platform's SIP ID. Default 34020000002000000001. */
  serverId?: string;
  /** SIP domain / digest realm. Default 3402000000. */
  realm?: string;
  /** Registration password. Default 12345678 (the reference's). */
  password?: string;
  /** Default 1. */
  devices?: number;
  /** Channels per device. Default 4. */
  channels?: number;
  /** SIP transport to the upper. Default 'udp'. */
  transport?: 'udp' | 'tcp';
  /** H.264/H.265 Annex-B clips (or MPEG-PS files); channel i plays the (i mod n)-th. Default the four test/fixtures/media H.264 clips. */
  media?: string[];
  /** Raw G.711 (A-law, or µ-law for .g711u/.ulaw); null for no audio. Default test/fixtures/media/sine440.g711a. */
  audio?: string | null;
  /**
   * Sub-stream clips, served when a live INVITE asks for the sub-stream in any dialect
   * (docs/gb28181.md §7.5); [] for cameras without one. Default the four 320x180 `-sub` fixtures
   * when `media` is the default, else none.
   */
  subMedia?: string[];
  /** Override the vendor's answer to a sub-stream wish (honour, main-only, ignore). */
  subStream?: SubStreamMode;
  /** The edition the devices report: '2022' sends X-GB-Ver: 3.0 and answers PTZPosition. Default '2016'. */
  gbVersion?: '2016' | '2022';
  /** Presets every channel starts with (index 1-255 and name). Default none. */
  presets?: { index: number; name: string }[];
  /** First device ID; the serial (last six digits) advances per device. Default 34020000001180000001. */
  deviceIdBase?: string;
  /** Default 'generic'. */
  vendor?: VendorName;
  /**
   * Write PES packets without PTS/DTS, as some encoders do (a field bug the gateway times from
   * the RTP timestamp). Default false.
   */
  omitPts?: boolean;
  /** Override the vendor's items per Catalog / RecordInfo message. */
  catalogPageSize?: number;
  recordPageSize?: number;
  /** Override the vendor's y= answer behaviour. */
  answerSsrc?: AnswerSsrcMode;
  /** Override parts of the vendor's voice broadcast behaviour (forms, INVITE target, transport, …). */
  broadcast?: BroadcastOverrides;
  /** Default 'GB2312'. */
  charset?: ManscdpCharset;
  /** Media faults for every stream (loss, reorder, jitterMs, duplicate, wrongSsrc, silentAfterSec, corruptPs, blockUdp, seed). */
  faults?: FaultOptions;
  /** Catalog/RecordInfo pages out of order / duplicated. */
  paging?: PagingFaults;
  /** Default 3600. */
  expiresSec?: number;
  /** Default 60. */
  keepaliveIntervalSec?: number;
  /** Local address for SIP and media sockets. Default '0.0.0.0' ('127.0.0.1' when the server is on loopback). */
  bindHost?: string;
  /** Address written into Via, Contact and SDP. Default: 127.0.0.1 for a loopback server, else the first external IPv4. */
  publicHost?: string;
  /** First local SIP port (socket k binds port + k); 0 for ephemeral ports. Default 0. */
  sipPort?: number;
  /** UDP only: device identities per SIP socket. Default 250. */
  devicesPerSocket?: number;
  /** Registrations start spread evenly over this window. Default min(5000, 5 × devices) ms. */
  registerSpreadMs?: number;
  timeZone?: string;
  timers?: SipTimerOptions;
  backoff?: BackoffOptions;
  /** Default 60 000 ms (GB/T 28181: retry no sooner than 60 s after a 403). */
  forbiddenRetryMs?: number;
  /** Alarms per minute per device (docs/events.md §9); 0 for none. Default 0. */
  alarmRatePerMin?: number;
  /** Which alarms. Default all: video-loss, motion, intrusion, tamper, alarm-input. */
  alarmTypes?: SimAlarmKind[];
  /** The first alarm comes this long after the device registered. Default 3000 ms. */
  firstAlarmAfterMs?: number;
  /** Channels move along a loop and report positions when subscribed. Default true. */
  moving?: boolean;
}

/** Options left undefined unless given: the vendor's behaviour applies. */
type VendorDefaulted =
  'catalogPageSize' | 'recordPageSize' | 'answerSsrc' | 'timers' | 'subStream' | 'broadcast';

export type ResolvedSimulatorOptions = Required<Omit<SimulatorOptions, VendorDefaulted | 'audio'>> &
  Pick<SimulatorOptions, VendorDefaulted> & {
    audio: string | null;
  };

/** A committed test clip (test/fixtures/README.md), from dist/simulator/ (compiled) or simulator/ (tsx). */
export function fixturePath(name: string): string {
  const up = import.meta.url.includes('/dist/simulator/') ? '../../' : '../';
  return fileURLToPath(new URL(`${up}test/fixtures/media/${name}`, import.meta.url));
}

export const DEFAULT_CLIPS = [
  'ch1-testsrc2.h264',
  'ch2-smptebars.h264',
  'ch3-mandelbrot.h264',
  'ch4-rgbtestsrc.h264',
];
export const DEFAULT_AUDIO = 'sine440.g711a';
export const DEFAULT_SUB_CLIPS = DEFAULT_CLIPS.map((c) => c.replace('.h264', '-sub.h264'));

export function resolveSimulatorOptions(o: SimulatorOptions): ResolvedSimulatorOptions {
  const loopback = isLoopback(o.server.host);
  const devices = Math.max(0, Math.floor(o.devices ?? 1));
  return {
    server: o.server,
    serverId: o.serverId ?? '34020000002000000001',
    realm: o.realm ?? '3402000000',
    password: o.password ?? '12345678',
    devices,
    channels: Math.max(1, Math.floor(o.channels ?? 4)),
    transport: o.transport ?? 'udp',
    media: o.media && o.media.length > 0 ? o.media : DEFAULT_CLIPS.map(fixturePath),
    audio: o.audio === undefined ? fixturePath(DEFAULT_AUDIO) : o.audio,
    subMedia: o.subMedia ?? (o.media && o.media.length > 0 ? [] : DEFAULT_SUB_CLIPS.map(fixturePath)),
    subStream: o.subStream,
    gbVersion: o.gbVersion ?? '2016',
    presets: o.presets ?? [],
    deviceIdBase: o.deviceIdBase ?? '34020000001180000001',
    vendor: o.vendor ?? 'generic',
    omitPts: o.omitPts ?? false,
    catalogPageSize: o.catalogPageSize,
    recordPageSize: o.recordPageSize,
    answerSsrc: o.answerSsrc,
    broadcast: o.broadcast,
    charset: o.charset ?? 'GB2312',
    faults: o.faults ?? {},
    paging: o.paging ?? {},
    expiresSec: o.expiresSec ?? 3600,
    keepaliveIntervalSec: o.keepaliveIntervalSec ?? 60,
    bindHost: o.bindHost ?? (loopback ? '127.0.0.1' : '0.0.0.0'),
    publicHost: o.publicHost ?? (loopback ? '127.0.0.1' : (firstExternalIpv4() ?? '127.0.0.1')),
    sipPort: o.sipPort ?? 0,
    devicesPerSocket: o.devicesPerSocket ?? 250,
    registerSpreadMs: o.registerSpreadMs ?? Math.min(5000, 5 * devices),
    timeZone: o.timeZone ?? DEFAULT_TIME_ZONE,
    timers: o.timers,
    backoff: o.backoff ?? {},
    forbiddenRetryMs: o.forbiddenRetryMs ?? 60_000,
    alarmRatePerMin: Math.max(0, o.alarmRatePerMin ?? 0),
    alarmTypes: o.alarmTypes && o.alarmTypes.length > 0 ? o.alarmTypes : [...SIM_ALARM_KINDS],
    firstAlarmAfterMs: o.firstAlarmAfterMs ?? 3000,
    moving: o.moving ?? true,
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function firstExternalIpv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) {
        return a.address;
      }
    }
  }
  return undefined;
}
