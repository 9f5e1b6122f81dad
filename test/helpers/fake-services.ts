// An in-memory GatewayServices for API tests and for developing the page without devices.
import { GatewayError } from '../../gateway/errors.js';
import type {
  ChannelView,
  DeviceDetail,
  Diagnosis,
  GatewayServices,
  PlaybackControl,
  PtzRequest,
  RecordItem,
  StreamView,
} from '../../gateway/views/services.js';

export class FakeServices implements GatewayServices {
  readonly calls: { method: string; args: unknown[] }[] = [];
  readonly devices = new Map<string, DeviceDetail>();
  readonly channels = new Map<string, ChannelView[]>();
  readonly streams = new Map<string, StreamView>();

  addDevice(deviceId: string, channelIds: string[]): void {
    this.devices.set(deviceId, {
      deviceId,
      name: 'NVR',
      manufacturer: 'Sim',
      model: 'S1',
      firmware: '1.0',
      transport: 'udp',
      remoteAddress: '127.0.0.1:5070',
      online: true,
      registeredAt: new Date(0).toISOString(),
      lastKeepaliveAt: null,
      channelCount: channelIds.length,
      mediaTransport: null,
      settings: {
        charset: 'auto',
        transport: null,
        mediaIp: null,
        defaultStream: 'main',
        streamSelection: 'all',
        gbVersion: null,
        heartbeatIntervalSec: null,
        heartbeatCount: null,
        ownPassword: false,
      },
    });
    this.channels.set(
      deviceId,
      channelIds.map((channelId) => ({
        channelId,
        name: `通道 ${channelId.slice(-1)}`,
        manufacturer: null,
        model: null,
        parentId: deviceId,
        civilCode: null,
        businessGroupId: null,
        address: null,
        status: 'ON',
        longitude: null,
        latitude: null,
        ptzType: '1',
        parental: false,
      })),
    );
  }

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  private channelOrThrow(deviceId: string, channelId: string): void {
    if (!this.devices.has(deviceId)) {
      throw new GatewayError('GW_ERR_DEVICE_NOT_FOUND');
    }
    if (!this.channels.get(deviceId)?.some((c) => c.channelId === channelId)) {
      throw new GatewayError('GW_ERR_CHANNEL_NOT_FOUND');
    }
  }

  listDevices() {
    return [...this.devices.values()];
  }
  getDevice(deviceId: string) {
    return this.devices.get(deviceId);
  }
  syncCatalog(deviceId: string) {
    this.record('syncCatalog', deviceId);
    return Promise.resolve({ channelCount: this.channels.get(deviceId)?.length ?? 0, complete: true });
  }
  listChannels(deviceId: string) {
    return this.channels.get(deviceId);
  }
  private open(deviceId: string, channelId: string, kind: StreamView['kind']): StreamView {
    this.channelOrThrow(deviceId, channelId);
    const streamId = `${deviceId}_${channelId}_${kind}`;
    const view: StreamView = {
      streamId,
      deviceId,
      channelId,
      kind,
      transport: 'udp',
      codec: { video: 'H264', audio: 'PCMA' },
      width: 1280,
      height: 720,
      fps: 25,
      bitrateKbps: 2000,
      packetsLost: 0,
      viewers: { webrtc: 0, hls: 0 },
      startedAt: new Date(0).toISOString(),
      state: 'live',
      stream: kind === 'live' ? 'main' : null,
      answeredStream: null,
    };
    this.streams.set(streamId, view);
    return view;
  }
  startLive(deviceId: string, channelId: string) {
    this.record('startLive', deviceId, channelId);
    return Promise.resolve(this.open(deviceId, channelId, 'live'));
  }
  startPlayback(deviceId: string, channelId: string, start: Date, end: Date) {
    this.record('startPlayback', deviceId, channelId, start, end);
    return Promise.resolve(this.open(deviceId, channelId, 'playback'));
  }
  ptz(deviceId: string, channelId: string, request: PtzRequest) {
    this.channelOrThrow(deviceId, channelId);
    this.record('ptz', deviceId, channelId, request);
    return Promise.resolve();
  }
  queryRecords(deviceId: string, channelId: string, start: Date, end: Date): Promise<RecordItem[]> {
    this.channelOrThrow(deviceId, channelId);
    this.record('queryRecords', deviceId, channelId, start, end);
    return Promise.resolve([
      {
        start: start.toISOString(),
        end: end.toISOString(),
        name: 'rec',
        filePath: null,
        type: 'time',
        secrecy: '0',
      },
    ]);
  }
  listStreams() {
    return [...this.streams.values()];
  }
  getStream(streamId: string) {
    return this.streams.get(streamId);
  }
  diagnosis(streamId: string): Diagnosis | undefined {
    if (!this.streams.has(streamId)) {
      return undefined;
    }
    return {
      streamId,
      ok: true,
      steps: [{ at: new Date(0).toISOString(), step: 'invite-sent' }],
      cause: null,
    };
  }
  controlPlayback(streamId: string, control: PlaybackControl) {
    this.record('controlPlayback', streamId, control);
    return Promise.resolve();
  }
  stopStream(streamId: string) {
    this.record('stopStream', streamId);
    this.streams.delete(streamId);
    return Promise.resolve();
  }
}
