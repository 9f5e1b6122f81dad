// What the upper platform does as a device's registration changes (docs/gb28181.md §1, §2): learn
// a newly registered device (catalog, DeviceInfo, BasicParam), end its streams and broadcasts when
// it goes offline, and tell a restart (a new REGISTER Call-ID, RFC 3261 §10.2.4) from a mere
// re-registration by whether its media still flows.
import { formatRemote } from '../../sip/index.js';
import type { Logger } from '../../log.js';
import type { DeviceStore } from '../../store/device-store.js';
import type { Broadcasts } from './broadcast/broadcasts.js';
import type { DeviceCommands } from './device-commands.js';
import type { DeviceQueries } from './device-queries.js';
import type { DeviceSessions } from './device-sessions.js';
import type { Plays } from './plays.js';

/** Silence on the old dialogs for this long after a new Call-ID confirms a restart. */
const RESTART_SETTLE_MS = 1000;

export interface DeviceLifecycleDeps {
  sessions: DeviceSessions;
  store: DeviceStore;
  devices: DeviceQueries;
  commands: DeviceCommands;
  plays: Plays;
  broadcasts: Broadcasts;
  log: Logger;
  /** The platform's catalog sync (UpperPlatform.syncCatalog). */
  syncCatalog(deviceId: string): Promise<unknown>;
  keepalive?(deviceId: string, latenessSec: number): void;
}

export class DeviceLifecycle {
  readonly #d: DeviceLifecycleDeps;
  #closed = false;

  /** Listens to the sessions' events from now on. */
  constructor(d: DeviceLifecycleDeps) {
    this.#d = d;
    const { sessions, log } = d;
    sessions.events.on('online', (deviceId, cause) => {
      log.info({ deviceId, cause }, 'device online');
      // A registration kept across our restart changed nothing on the device's side: its catalog
      // is asked for again only when we never got one.
      if (cause === 'restored' && d.store.countChannels(deviceId) > 0) {
        return;
      }
      // A fresh registration: learn what the device shares, then what it is.
      setTimeout(() => void this.#afterRegistration(deviceId), 50).unref();
    });
    sessions.events.on('rebound', (deviceId, from, to) =>
      log.info(
        { deviceId, from: formatRemote(from), to: formatRemote(to) },
        'device seen on a new port of its registered address; binding follows',
      ),
    );
    sessions.events.on('offline', (deviceId, reason) => {
      log.warn({ deviceId, reason }, 'device offline');
      d.plays.closeDevice(deviceId, `device offline: ${reason}`);
      d.broadcasts.closeDevice(deviceId, `device offline: ${reason}`);
    });
    sessions.events.on('restarted', (deviceId, previousCallId, callId) =>
      this.#onDeviceRestarted(deviceId, `Call-ID ${previousCallId} → ${callId}`),
    );
    sessions.events.on('keepalive', (deviceId, lateness) => d.keepalive?.(deviceId, lateness));
  }

  /** A restart noticed before this no longer acts once it settles. */
  close(): void {
    this.#closed = true;
  }

  /**
   * Catalog, then DeviceInfo, then ConfigDownload BasicParam (the device's own keepalive timing,
   * docs/gb28181.md §2), one after the other: small devices (and sipp scenarios) handle one query
   * at a time, and the catalog is what the API needs first. Failures are logged only.
   */
  async #afterRegistration(deviceId: string): Promise<void> {
    const log = this.#d.log;
    try {
      await this.#d.syncCatalog(deviceId);
    } catch (err) {
      log.info({ deviceId, err: String(err) }, 'catalog after registration failed');
    }
    try {
      await this.#d.devices.queryDeviceInfo(deviceId);
    } catch (err) {
      log.info({ deviceId, err: String(err) }, 'DeviceInfo after registration failed');
    }
    try {
      await this.#d.commands.readConfig(deviceId);
    } catch (err) {
      log.info({ deviceId, err: String(err) }, 'ConfigDownload after registration failed');
    }
  }

  /**
   * A new Call-ID usually means a restart, whose old dialogs are dead. Media tells the two cases
   * apart: wait RESTART_SETTLE_MS (the device also has its 200 to the REGISTER by then, since the
   * event fires before the registrar answers), close the plays that stayed silent, invite the
   * watched live ones again and query the catalog and DeviceInfo as after a first registration.
   */
  #onDeviceRestarted(deviceId: string, detail: string): void {
    const { log, plays } = this.#d;
    const sinceMs = Date.now();
    setTimeout(() => {
      if (this.#closed) {
        return;
      }
      const { reinvite, closed, kept } = plays.closeForRestart(deviceId, detail, sinceMs);
      const streams = { closed, kept, reinvite: reinvite.map((p) => p.streamId) };
      if (closed > 0 || kept === 0) {
        log.warn({ deviceId, detail, ...streams }, 'device restarted');
        // A restart may follow a configuration change or an upgrade: learn the device again.
        void this.#afterRegistration(deviceId);
      } else {
        log.info({ deviceId, detail, ...streams }, 'new Call-ID while media flows: not a restart');
      }
      for (const id of reinvite) {
        plays
          .replay(id, `device restarted (${detail})`)
          .catch((err: unknown) =>
            log.warn({ deviceId, streamId: id.streamId, err: String(err) }, 'replay after restart failed'),
          );
      }
    }, RESTART_SETTLE_MS).unref();
  }
}
