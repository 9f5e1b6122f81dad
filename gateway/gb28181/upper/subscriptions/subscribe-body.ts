// What a SUBSCRIBE for each kind of event carries (GB/T 28181-2016 §9.11, Annex A.2.4;
// docs/gb28181.md §3.5, §9): the Event header and the MANSCDP <Query> body. Catalog uses
// `Event: Catalog;id=<n>`; alarm and mobile-position subscriptions use `Event: presence` (what
// devices and wvp use); the body's CmdType tells the device which one it is. Pure.
import type { ManscdpMessage } from '../../manscdp/codec.js';
import type { SubscriptionEvent } from '../../../views/events.js';

export interface SubscribeContent {
  event: string;
  body: ManscdpMessage;
}

/**
 * `eventId` makes the Catalog Event header unique per subscription (RFC 6665 §8.2.1 `id`);
 * `interval` is the MobilePosition report period in seconds.
 */
export function subscribeContent(
  kind: SubscriptionEvent,
  o: { sn: string; deviceId: string; eventId: number; interval: number | null },
): SubscribeContent {
  switch (kind) {
    case 'catalog':
      return {
        event: `Catalog;id=${o.eventId}`,
        body: { kind: 'CatalogQuery', sn: o.sn, deviceId: o.deviceId },
      };
    case 'alarm':
      // Every priority, 1 (highest) to 4; no method or type filter (both optional).
      return {
        event: 'presence',
        body: {
          kind: 'AlarmQuery',
          sn: o.sn,
          deviceId: o.deviceId,
          startAlarmPriority: 1,
          endAlarmPriority: 4,
        },
      };
    case 'mobile-position':
      return {
        event: 'presence',
        body: {
          kind: 'MobilePositionQuery',
          sn: o.sn,
          deviceId: o.deviceId,
          ...(o.interval !== null ? { interval: o.interval } : {}),
        },
      };
  }
}
