// Every node's API, one gateway's answers: a media node serves device and channel reads from
// its replica (device-replica.ts) and its own streams locally, and forwards what needs SIP
// (play, PTZ, record queries, catalog sync, playback control, stop) to the signaling node over
// the bus. serveApi() is the signaling node's end of that.
import type {
  ChannelView,
  DeviceDetail,
  DeviceView,
  Diagnosis,
  GatewayServices,
  PlaybackControl,
  PtzRequest,
  RecordItem,
  StreamView,
} from '../views/services.js';
import { GatewayError } from '../errors.js';
import { LIVE_STREAMS, type LiveStream } from '../device-settings.js';
import { deviceSettingsOf, type ChannelRecord, type DeviceRecord } from '../store/device-store.js';
import type { DeviceReplica } from './device-replica.js';
import type { NodeBus } from './node-bus.js';
import { API_METHODS, type ApiMethod, type SignalingCommands } from './protocol.js';

/** Where the signaling node is; read from Redis (keys.signaling). */
export type SignalingLocator = () => Promise<{ nodeId: string; http: string } | undefined>;

export function deviceView(d: DeviceRecord, channelCount: number): DeviceDetail {
  return {
    deviceId: d.deviceId,
    name: d.name,
    manufacturer: d.manufacturer,
    model: d.model,
    firmware: d.firmware,
    transport: d.transport,
    remoteAddress: d.remoteAddress ? `${d.remoteAddress}:${d.remotePort ?? ''}` : null,
    online: d.online,
    registeredAt: d.registeredAt,
    lastKeepaliveAt: d.lastKeepaliveAt,
    channelCount,
    mediaTransport: d.mediaTransport,
    settings: deviceSettingsOf(d),
  };
}

function channelView(c: ChannelRecord): ChannelView {
  const { deviceId: _d, updatedAt: _u, ...rest } = c;
  return rest;
}

export interface ForwardedServicesDeps {
  bus: NodeBus;
  replica: DeviceReplica;
  signaling: SignalingLocator;
  /** Streams this node serves. */
  localStreams(): StreamView[];
  /** Forwarded calls wait this long (a play waits for the device's answer and first media). Default 30000. */
  timeoutMs?: number;
}

export class ForwardedServices implements GatewayServices {
  /** Media base URL per stream, from the signaling node's answer to a play. */
  readonly #bases = new Map<string, string>();

  constructor(private readonly d: ForwardedServicesDeps) {}

  mediaBase(streamId: string): string | undefined {
    return this.#bases.get(streamId);
  }

  async #call<T>(method: ApiMethod, params: unknown[]): Promise<T> {
    const target = await this.d.signaling();
    if (!target) {
      throw new GatewayError('GW_ERR_NODE_UNAVAILABLE', 'no signaling node is running');
    }
    const r = await this.d.bus.request<SignalingCommands, 'api.call'>(
      target.nodeId,
      'api.call',
      { method, params },
      this.d.timeoutMs ?? 30_000,
    );
    if (r.mediaBase && r.value && typeof r.value === 'object' && 'streamId' in r.value) {
      this.#bases.set(String(r.value.streamId), r.mediaBase);
      if (this.#bases.size > 10_000) {
        this.#bases.delete(this.#bases.keys().next().value!);
      }
    }
    return r.value as T;
  }

  listDevices(): DeviceView[] {
    return this.d.replica.listDevices().map((d) => deviceView(d, this.d.replica.countChannels(d.deviceId)));
  }
  getDevice(deviceId: string): DeviceDetail | undefined {
    const d = this.d.replica.getDevice(deviceId);
    return d && deviceView(d, this.d.replica.countChannels(deviceId));
  }
  listChannels(deviceId: string): ChannelView[] | undefined {
    return this.d.replica.getDevice(deviceId)
      ? this.d.replica.listChannels(deviceId).map(channelView)
      : undefined;
  }
  listStreams(): StreamView[] {
    return this.d.localStreams();
  }
  getStream(streamId: string): StreamView | undefined {
    return this.d.localStreams().find((s) => s.streamId === streamId);
  }
  /** The diagnosis lives with the dialog on the signaling node; the route redirects there. */
  diagnosis(_streamId: string): Diagnosis | undefined {
    return undefined;
  }
  syncCatalog(deviceId: string): Promise<{ channelCount: number; complete: boolean }> {
    return this.#call('syncCatalog', [deviceId]);
  }
  startLive(deviceId: string, channelId: string, stream?: LiveStream): Promise<StreamView> {
    return this.#call(
      'startLive',
      stream === undefined ? [deviceId, channelId] : [deviceId, channelId, stream],
    );
  }
  startPlayback(deviceId: string, channelId: string, start: Date, end: Date): Promise<StreamView> {
    return this.#call('startPlayback', [deviceId, channelId, start.toISOString(), end.toISOString()]);
  }
  ptz(deviceId: string, channelId: string, request: PtzRequest): Promise<void> {
    return this.#call('ptz', [deviceId, channelId, request]);
  }
  queryRecords(deviceId: string, channelId: string, start: Date, end: Date): Promise<RecordItem[]> {
    return this.#call('queryRecords', [deviceId, channelId, start.toISOString(), end.toISOString()]);
  }
  controlPlayback(streamId: string, control: PlaybackControl): Promise<void> {
    return this.#call('controlPlayback', [streamId, control]);
  }
  stopStream(streamId: string): Promise<void> {
    return this.#call('stopStream', [streamId]);
  }
}

const str = (v: unknown): string => {
  if (typeof v !== 'string') {
    throw new GatewayError('GW_ERR_BAD_REQUEST', 'forwarded call with a malformed parameter');
  }
  return v;
};
const date = (v: unknown): Date => new Date(str(v));
const liveStream = (v: unknown): LiveStream | undefined => {
  if (v === undefined) {
    return undefined;
  }
  const stream = LIVE_STREAMS.find((s) => s === v);
  if (!stream) {
    throw new GatewayError('GW_ERR_BAD_REQUEST', 'forwarded call with a malformed stream');
  }
  return stream;
};

/** The signaling node answers forwarded API calls with its own services. */
export function serveApi(
  bus: NodeBus,
  services: GatewayServices,
  mediaBase: (streamId: string) => string | undefined,
): void {
  bus.serve<SignalingCommands>({
    'api.call': async ({ method, params: p }) => {
      if (!API_METHODS.includes(method)) {
        throw new GatewayError('GW_ERR_NOT_FOUND', `no forwarded method ${String(method)}`);
      }
      const play = (view: StreamView) => {
        const base = mediaBase(view.streamId);
        return { value: view, ...(base ? { mediaBase: base } : {}) };
      };
      switch (method) {
        case 'syncCatalog':
          return { value: await services.syncCatalog(str(p[0])) };
        case 'startLive':
          return play(await services.startLive(str(p[0]), str(p[1]), liveStream(p[2])));
        case 'startPlayback':
          return play(await services.startPlayback(str(p[0]), str(p[1]), date(p[2]), date(p[3])));
        case 'ptz':
          await services.ptz(str(p[0]), str(p[1]), p[2] as PtzRequest);
          return { value: null };
        case 'queryRecords':
          return { value: await services.queryRecords(str(p[0]), str(p[1]), date(p[2]), date(p[3])) };
        case 'controlPlayback':
          await services.controlPlayback(str(p[0]), p[1] as PlaybackControl);
          return { value: null };
        case 'stopStream':
          await services.stopStream(str(p[0]));
          return { value: null };
      }
    },
  });
}
