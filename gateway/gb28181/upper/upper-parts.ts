// The upper platform's parts and who serves whom, built once from its options (in the order the
// platform has always built them). upper-platform.ts holds them, starts and closes them, and puts
// the API in front.
import type { StreamView } from '../../views/services.js';
import { Broadcasts } from './broadcast/broadcasts.js';
import { VoiceService } from './broadcast/voice-service.js';
import { DeviceAdmin } from './device-admin.js';
import { DeviceCommands } from './device-commands.js';
import { DeviceLifecycle } from './device-lifecycle.js';
import { DeviceMessenger } from './device-messenger.js';
import { DeviceQueries } from './device-queries.js';
import { DeviceSessions } from './device-sessions.js';
import { OrphanDialogs } from './orphan-dialogs.js';
import { Plays } from './plays.js';
import { Registrar } from './registrar.js';
import { UpperRequestDispatch } from './request-dispatch.js';
import { UpperEvents } from './upper-events.js';
import type { UpperPlatformOptions } from './upper-platform-options.js';

export interface UpperParts {
  sessions: DeviceSessions;
  devices: DeviceQueries;
  commands: DeviceCommands;
  admin: DeviceAdmin;
  events: UpperEvents;
  plays: Plays;
  /** Voice broadcast and talk; undefined when not configured. */
  voice: VoiceService | undefined;
  /** Dialogs left by a previous run; only with a dialog store. */
  orphans: OrphanDialogs | undefined;
  requests: UpperRequestDispatch;
  lifecycle: DeviceLifecycle;
}

/** What the parts ask of the platform's own API (so they take the same path as an API caller). */
export interface UpperPlatformCalls {
  syncCatalog(deviceId: string): Promise<{ channelCount: number; complete: boolean }>;
  startLive(deviceId: string, channelId: string): Promise<StreamView>;
}

export function buildUpperParts(opts: UpperPlatformOptions, platform: UpperPlatformCalls): UpperParts {
  const sessions: DeviceSessions = new DeviceSessions({
    store: opts.store,
    keepaliveIntervalSec: opts.keepaliveIntervalSec,
    keepaliveTimeoutCount: opts.keepaliveTimeoutCount,
    silentTimeoutIntervals: opts.silentTimeoutIntervals ?? 0,
    mediaSilent: (deviceId, lastSeenAt) => plays.mediaSilent(deviceId, lastSeenAt),
  });
  const registrar = new Registrar({
    realm: opts.realm,
    password: opts.password,
    store: opts.store,
    sessions,
    log: opts.log.child({ part: 'registrar' }),
    timeZone: opts.timeZone,
    maxExpiresSec: opts.maxExpiresSec,
    nonceTtlMs: opts.nonceTtlMs,
    onFailure: (reason, deviceId) => opts.hooks?.registrationFailed?.(reason, deviceId),
  });
  const devices = new DeviceQueries({
    ua: opts.ua,
    store: opts.store,
    sessions,
    log: opts.log,
    timeZone: opts.timeZone,
    ...(opts.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: opts.queryTimeoutMs }),
    onChannelChange: (deviceId, channelId, status, event) =>
      opts.events?.channel({ deviceId, channelId, status, event }),
  });
  const commands = new DeviceCommands({
    queries: devices,
    sessions,
    store: opts.store,
    log: opts.log.child({ part: 'control' }),
    ...(opts.queryTimeoutMs === undefined ? {} : { answerTimeoutMs: opts.queryTimeoutMs }),
  });
  const admin = new DeviceAdmin({
    store: opts.store,
    sessions,
    queries: devices,
    log: opts.log.child({ part: 'admin' }),
    closeStreams: (deviceId, cause) => plays.closeDevice(deviceId, cause),
  });
  const events = new UpperEvents({
    ua: opts.ua,
    store: opts.store,
    sessions,
    devices,
    intake: opts.events,
    ...(opts.subscriptions ? { subscriptions: opts.subscriptions } : {}),
    ...(opts.subscriptionStore ? { subscriptionStore: opts.subscriptionStore } : {}),
    timeZone: opts.timeZone,
    hooks: {
      active: (e) => opts.hooks?.subscriptionActive?.(e),
      failed: (e) => opts.hooks?.subscriptionFailed?.(e),
    },
    log: opts.log,
  });
  const plays: Plays = new Plays({
    ua: opts.ua,
    store: opts.store,
    sessions,
    streams: opts.streams,
    log: opts.log,
    realm: opts.realm,
    timeZone: opts.timeZone,
    idleStopMs: opts.idleStopMs,
    noMediaTimeoutMs: opts.noMediaTimeoutMs,
    stallTimeoutMs: opts.stallTimeoutMs ?? 0,
    defaultMediaTransport: opts.defaultMediaTransport,
    ...(opts.firstMediaTimeoutMs === undefined ? {} : { firstMediaTimeoutMs: opts.firstMediaTimeoutMs }),
    media: opts.media,
    onStreamCreated: (stream, view) => opts.onStreamCreated?.(stream, view),
    viewersOf: (streamId) => opts.viewersOf?.(streamId),
    onIngestStats: opts.hooks?.ingest,
    onFirstKeyframe: (kind, seconds) => opts.hooks?.firstKeyframe?.(kind, seconds),
    checkChannel: (deviceId, channelId) => void devices.channelOrThrow(deviceId, channelId),
    ...(opts.dialogs ? { dialogs: opts.dialogs } : {}),
    orphansSettled: (deviceId, channelId) => orphans?.settled(deviceId, channelId) ?? Promise.resolve(),
    requestKeyframe: (deviceId, channelId) => devices.forceKeyframe(deviceId, channelId),
  });
  const broadcasts = new Broadcasts({
    sessions,
    gatewayId: opts.ua.localId,
    log: opts.log.child({ part: 'broadcast' }),
  });
  const voice =
    opts.voice &&
    new VoiceService({
      ...opts.voice,
      ua: opts.ua,
      messenger: new DeviceMessenger(opts.ua),
      sessions,
      store: opts.store,
      broadcasts,
      gatewayId: opts.ua.localId,
      log: opts.log.child({ part: 'voice' }),
      checkChannel: (deviceId, channelId) => void devices.channelOrThrow(deviceId, channelId),
      startLive: (deviceId, channelId) => platform.startLive(deviceId, channelId),
    });
  const orphans = opts.dialogs
    ? new OrphanDialogs({
        ua: opts.ua,
        store: opts.dialogs,
        sessions,
        log: opts.log.child({ part: 'orphans' }),
        ...(opts.quarantineMediaPort ? { quarantinePort: opts.quarantineMediaPort } : {}),
      })
    : undefined;
  const requests = new UpperRequestDispatch({
    sessions,
    registrar,
    devices,
    events,
    plays,
    broadcasts,
    voice: voice !== undefined,
    log: opts.log,
  });
  const lifecycle = new DeviceLifecycle({
    sessions,
    store: opts.store,
    devices,
    commands,
    plays,
    broadcasts,
    log: opts.log,
    syncCatalog: (deviceId) => platform.syncCatalog(deviceId),
    keepalive: (deviceId, lateness) => opts.hooks?.keepalive?.(deviceId, lateness),
  });
  return {
    sessions,
    devices,
    commands,
    admin,
    events,
    plays,
    voice,
    orphans,
    requests,
    lifecycle,
  };
}
