// What the upper platform does with a device's Alarm and MobilePosition notifications, whether
// they came as MESSAGE or as NOTIFY inside a subscription (GB/T 28181-2016 §9.4, §9.11;
// docs/gb28181.md §9): the SIP 200 is already sent (inbox.ts); the report is stored and published
// (EventIntake), and an alarm is acknowledged with the standard's <Response> CmdType=Alarm,
// Result OK, same SN, as a MESSAGE of its own (§9.4.2 steps 3-4). A duplicate is acknowledged
// again (the device may not have got the first Response) but stored once.
import type { Logger } from '../../log.js';
import { LogThrottle } from '../../log-throttle.js';
import type { EventIntake } from '../../views/events.js';
import type { AlarmNotify, MobilePositionNotify } from '../manscdp/event.js';
import { DeviceMessenger } from './device-messenger.js';
import type { DeviceSession } from './device-sessions.js';
import { alarmInputOf, positionInputOf } from './event-reports.js';
import type { SipUserAgent } from '../../sip/index.js';

export interface EventNotificationsOptions {
  ua: SipUserAgent;
  intake: EventIntake | undefined;
  timeZone: string;
  log: Logger;
  now?: () => number;
}

export class EventNotifications {
  readonly stats = { alarms: 0, duplicates: 0, positions: 0, responsesSent: 0, responsesFailed: 0 };
  readonly #o: EventNotificationsOptions;
  readonly #messenger: DeviceMessenger;
  readonly #failures: LogThrottle;

  constructor(opts: EventNotificationsOptions) {
    this.#o = opts;
    this.#messenger = new DeviceMessenger(opts.ua);
    this.#failures = new LogThrottle(opts.log, { linesPerWindow: 5 });
  }

  alarm(m: AlarmNotify, session: DeviceSession): void {
    this.stats.alarms++;
    const input = alarmInputOf(m, session.deviceId, this.#o.timeZone, this.#receivedAt());
    try {
      if (this.#o.intake && !this.#o.intake.alarm(input)) {
        this.stats.duplicates++;
      }
    } catch (err) {
      this.#o.log.error({ err, deviceId: session.deviceId, sn: m.sn }, 'alarm not stored');
    }
    this.#acknowledge(m, session);
  }

  position(m: MobilePositionNotify, session: DeviceSession): void {
    this.stats.positions++;
    try {
      this.#o.intake?.position(positionInputOf(m, session.deviceId, this.#o.timeZone, this.#receivedAt()));
    } catch (err) {
      this.#o.log.error({ err, deviceId: session.deviceId }, 'position not stored');
    }
  }

  #acknowledge(m: AlarmNotify, session: DeviceSession): void {
    this.#messenger
      .send(session, { kind: 'AlarmResponse', sn: m.sn, deviceId: m.deviceId, result: 'OK' })
      .then(
        (res) => {
          if (res.status < 300) {
            this.stats.responsesSent++;
          } else {
            this.stats.responsesFailed++;
            this.#failures.warn(
              'response',
              { deviceId: session.deviceId, sn: m.sn, status: res.status },
              'alarm Response not accepted by the device',
            );
          }
        },
        (err: unknown) => {
          this.stats.responsesFailed++;
          this.#failures.warn(
            'response',
            { deviceId: session.deviceId, err: String(err) },
            'alarm Response not sent',
          );
        },
      );
  }

  #receivedAt(): string {
    return new Date((this.#o.now ?? Date.now)()).toISOString();
  }
}
