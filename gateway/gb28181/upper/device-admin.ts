// Per-device settings and forgetting a device (PATCH and DELETE /api/devices/:deviceId): the
// settings are stored with the device record (and so mirrored to Redis with it, password
// excluded); the ones that act on a live registration (charset) are applied to it at once, the
// others (transport, mediaIp, stream selection) at the next INVITE.
import type { Logger } from '../../log.js';
import { GatewayError } from '../../errors.js';
import type { DevicePatch, DeviceStore } from '../../store/device-store.js';
import type { DeviceSettingsUpdate } from '../../views/control.js';
import type { DeviceQueries } from './device-queries.js';
import type { DeviceSessions } from './device-sessions.js';

export interface DeviceAdminOptions {
  store: DeviceStore;
  sessions: DeviceSessions;
  queries: DeviceQueries;
  log: Logger;
  /** Ends every stream of the device (BYE) with this cause. */
  closeStreams(deviceId: string, cause: string): void;
}

export class DeviceAdmin {
  readonly #o: DeviceAdminOptions;

  constructor(opts: DeviceAdminOptions) {
    this.#o = opts;
  }

  update(deviceId: string, u: DeviceSettingsUpdate): void {
    const { store, sessions } = this.#o;
    if (!store.getDevice(deviceId)) {
      throw new GatewayError('GW_ERR_DEVICE_NOT_FOUND', `no device ${deviceId}`);
    }
    const patch: DevicePatch = {};
    if (u.password !== undefined) {
      // The digest uses it from the next REGISTER; the device itself must be set to it too.
      patch.password = u.password;
    }
    if (u.charset !== undefined) {
      patch.charsetMode = u.charset;
    }
    if (u.transport !== undefined) {
      patch.transportPreference = u.transport;
    }
    if (u.mediaIp !== undefined) {
      patch.mediaIp = u.mediaIp;
    }
    if (u.defaultStream !== undefined) {
      patch.defaultStream = u.defaultStream;
    }
    if (u.streamSelection !== undefined) {
      patch.streamSelection = u.streamSelection;
    }
    if (u.gbVersion !== undefined) {
      patch.gbVersion = u.gbVersion;
    }
    store.upsertDevice(deviceId, patch);
    if (u.charset !== undefined) {
      sessions.setCharset(deviceId, u.charset === 'auto' ? undefined : u.charset);
    }
    const changed = Object.keys(u).filter((k) => k !== 'password');
    this.#o.log.info(
      { deviceId, changed, ...(u.password !== undefined ? { password: 'changed' } : {}) },
      'device settings changed',
    );
  }

  /**
   * Forgets the device: its streams end with BYE, pending queries fail, and its record and
   * channels are deleted. Its registration is dropped too, so its keepalives get 404 (and a
   * device then registers again, docs/gb28181.md §2) and it is back with its catalog after that.
   */
  forget(deviceId: string): void {
    const { store, sessions, queries } = this.#o;
    if (!store.getDevice(deviceId) && !sessions.get(deviceId)) {
      throw new GatewayError('GW_ERR_DEVICE_NOT_FOUND', `no device ${deviceId}`);
    }
    // 'offline' (forgotten) closes the streams of an online device; a device that is offline
    // already may still hold plays being torn down, so close explicitly as well.
    sessions.forget(deviceId);
    this.#o.closeStreams(deviceId, 'device forgotten (DELETE /api/devices)');
    queries.forget(deviceId);
    store.deleteDevice(deviceId);
    this.#o.log.info({ deviceId }, 'device forgotten');
  }
}
