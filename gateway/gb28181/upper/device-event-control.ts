// The device-facing half of the events API (docs/events.md §6-§7): subscriptions and the
// per-device auto-subscribe setting (subscriptions/), GuardCmd SetGuard/ResetGuard and AlarmCmd
// ResetAlarm (docs/gb28181.md §5.3), each answered by the device with a <Response>.
import { GatewayError } from '../../errors.js';
import type { DeviceStore } from '../../store/device-store.js';
import type {
  ControlAnswer,
  DeviceEventControl,
  SubscribeRequest,
  SubscriptionDefaults,
  SubscriptionEvent,
  SubscriptionView,
} from '../../views/events.js';
import type { DeviceQueries } from './device-queries.js';
import type { DeviceSubscriptions } from './subscriptions/device-subscriptions.js';

export class UpperDeviceEvents implements DeviceEventControl {
  constructor(
    private readonly subscriptions: DeviceSubscriptions,
    private readonly queries: DeviceQueries,
    private readonly store: DeviceStore,
    /** How long a control waits for the device's <Response>. */
    private readonly controlWaitMs = 5000,
  ) {}

  subscribe(deviceId: string, request: SubscribeRequest): Promise<SubscriptionView> {
    this.#known(deviceId);
    return this.subscriptions.subscribe(deviceId, request);
  }

  listSubscriptions(deviceId: string): SubscriptionView[] | undefined {
    return this.store.getDevice(deviceId) ? this.subscriptions.list(deviceId) : undefined;
  }

  unsubscribe(deviceId: string, subscriptionId: string): Promise<boolean> {
    this.#known(deviceId);
    return this.subscriptions.unsubscribe(deviceId, subscriptionId);
  }

  subscriptionDefaults(deviceId: string): SubscriptionDefaults | undefined {
    return this.store.getDevice(deviceId) ? this.subscriptions.defaults(deviceId) : undefined;
  }

  setSubscriptionDefaults(deviceId: string, events: SubscriptionEvent[] | null): SubscriptionDefaults {
    this.#known(deviceId);
    return this.subscriptions.setDefaults(deviceId, events);
  }

  async setGuard(deviceId: string, armed: boolean): Promise<ControlAnswer> {
    const result = await this.queries.controlWithResult(
      deviceId,
      deviceId,
      { type: 'GuardCmd', action: armed ? 'SetGuard' : 'ResetGuard' },
      this.controlWaitMs,
    );
    return { ok: true, result };
  }

  async resetAlarm(
    deviceId: string,
    channelId: string,
    filter: { method?: number; type?: number },
  ): Promise<ControlAnswer> {
    const result = await this.queries.controlWithResult(
      deviceId,
      channelId,
      {
        type: 'AlarmCmd',
        ...(filter.method !== undefined ? { alarmMethod: filter.method } : {}),
        ...(filter.type !== undefined ? { alarmType: filter.type } : {}),
      },
      this.controlWaitMs,
    );
    return { ok: true, result };
  }

  #known(deviceId: string): void {
    if (!this.store.getDevice(deviceId)) {
      throw new GatewayError('GW_ERR_DEVICE_NOT_FOUND', `no device ${deviceId}`);
    }
  }
}
