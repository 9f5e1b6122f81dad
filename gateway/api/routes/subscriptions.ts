// Subscriptions to a device's alarms, positions and catalog, the device's auto-subscribe setting,
// and the alarm controls (docs/events.md §6-§7; GB/T 28181-2016 §9.11, docs/gb28181.md §5.3).
//
// The auto-subscribe setting has its own route (PUT .../subscription-defaults) rather than a field
// of PATCH /api/devices/:deviceId, which carries other per-device settings: the two never touch
// the same data. `events: null` inherits the global --subscribe-on-register.
import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import type { SubscribeRequest, SubscriptionEvent } from '../../views/events.js';
import { OkBody } from '../responses.js';
import { ControlAnswerBody, SubscriptionBody, SubscriptionDefaultsBody } from '../event-responses.js';
import {
  AlarmResetBody,
  GuardBody,
  SubscribeBody,
  SubscriptionDefaultsInput,
  SubscriptionParams,
} from '../event-validation.js';
import { defineRoute, type ApiRoute } from '../route-table.js';
import { ChannelParams, DeviceParams } from '../validation.js';
import { requireDeviceEvents, type ChannelP, type DeviceP, type RouteDeps } from './route-deps.js';

export function subscriptionRoutes(deps: RouteDeps): ApiRoute[] {
  const notFound = (deviceId: string) => new GatewayError('GW_ERR_DEVICE_NOT_FOUND', `no device ${deviceId}`);
  return [
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/subscriptions',
      summary:
        'Subscribe to the device (SUBSCRIBE Alarm / MobilePosition / Catalog); kept alive and renewed after it re-registers',
      auth: 'bearer',
      params: DeviceParams,
      body: SubscribeBody,
      status: 201,
      response: SubscriptionBody,
      handler: ({ params, body }) =>
        requireDeviceEvents(deps).subscribe((params as DeviceP).deviceId, body as SubscribeRequest),
    }),
    defineRoute({
      method: 'get',
      path: '/api/devices/:deviceId/subscriptions',
      summary: "The device's subscriptions and their state",
      auth: 'bearer',
      params: DeviceParams,
      response: z.array(SubscriptionBody),
      handler: async ({ params }) => {
        const { deviceId } = params as DeviceP;
        const list = await requireDeviceEvents(deps).listSubscriptions(deviceId);
        if (!list) {
          throw notFound(deviceId);
        }
        return list;
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/devices/:deviceId/subscriptions/:subscriptionId',
      summary: 'Unsubscribe (SUBSCRIBE with Expires: 0 inside the dialog)',
      auth: 'bearer',
      params: SubscriptionParams,
      response: OkBody,
      handler: async ({ params }) => {
        const { deviceId, subscriptionId } = params as { deviceId: string; subscriptionId: string };
        if (!(await requireDeviceEvents(deps).unsubscribe(deviceId, subscriptionId))) {
          throw new GatewayError(
            'GW_ERR_SUBSCRIPTION_NOT_FOUND',
            `device ${deviceId} has no subscription ${subscriptionId}`,
          );
        }
        return { ok: true };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/devices/:deviceId/subscription-defaults',
      summary: 'What is subscribed automatically when the device registers (its own list, or the global one)',
      auth: 'bearer',
      params: DeviceParams,
      response: SubscriptionDefaultsBody,
      handler: async ({ params }) => {
        const { deviceId } = params as DeviceP;
        const view = await requireDeviceEvents(deps).subscriptionDefaults(deviceId);
        if (!view) {
          throw notFound(deviceId);
        }
        return view;
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/devices/:deviceId/subscription-defaults',
      summary:
        "Set the device's auto-subscribe list ({events: null} inherits --subscribe-on-register); applied at once",
      auth: 'bearer',
      params: DeviceParams,
      body: SubscriptionDefaultsInput,
      response: SubscriptionDefaultsBody,
      handler: ({ params, body }) =>
        requireDeviceEvents(deps).setSubscriptionDefaults(
          (params as DeviceP).deviceId,
          (body as { events: SubscriptionEvent[] | null }).events,
        ),
    }),
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/guard',
      summary: 'Arm or disarm the device (DeviceControl GuardCmd SetGuard / ResetGuard)',
      auth: 'bearer',
      params: DeviceParams,
      body: GuardBody,
      response: ControlAnswerBody,
      handler: ({ params, body }) =>
        requireDeviceEvents(deps).setGuard((params as DeviceP).deviceId, (body as { armed: boolean }).armed),
    }),
    defineRoute({
      method: 'post',
      path: '/api/devices/:deviceId/channels/:channelId/alarm-reset',
      summary: 'Reset an alarm (DeviceControl AlarmCmd ResetAlarm, optionally for one AlarmMethod/AlarmType)',
      auth: 'bearer',
      params: ChannelParams,
      body: AlarmResetBody,
      response: ControlAnswerBody,
      handler: ({ params, body }) => {
        const { deviceId, channelId } = params as ChannelP;
        return requireDeviceEvents(deps).resetAlarm(
          deviceId,
          channelId,
          body as { method?: number; type?: number },
        );
      },
    }),
  ];
}
