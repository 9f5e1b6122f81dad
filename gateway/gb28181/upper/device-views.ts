// Devices as the API shows them: the stored record, overlaid with the live registration
// (address, online, the keepalive time not yet flushed to the store) and the last answers.
import type { DeviceDetail } from '../../views/services.js';
import { deviceSettingsOf, type DeviceStore } from '../../store/device-store.js';
import type { DeviceSessions } from './device-sessions.js';

export function deviceView(
  store: DeviceStore,
  sessions: DeviceSessions,
  deviceId: string,
): DeviceDetail | undefined {
  const d = store.getDevice(deviceId);
  if (!d) {
    return undefined;
  }
  const live = sessions.get(deviceId);
  return {
    deviceId: d.deviceId,
    name: d.name,
    manufacturer: d.manufacturer,
    model: d.model,
    firmware: d.firmware,
    transport: d.transport,
    remoteAddress: live
      ? `${live.remote.address}:${live.remote.port}`
      : d.remoteAddress
        ? `${d.remoteAddress}:${d.remotePort ?? ''}`
        : null,
    online: live?.online ?? false,
    registeredAt: d.registeredAt,
    // The live value: the store's copy is written in batches (device-sessions.ts).
    lastKeepaliveAt:
      live?.lastKeepaliveAt !== undefined ? new Date(live.lastKeepaliveAt).toISOString() : d.lastKeepaliveAt,
    channelCount: store.countChannels(deviceId),
    mediaTransport: d.mediaTransport,
    settings: deviceSettingsOf(d),
  };
}
