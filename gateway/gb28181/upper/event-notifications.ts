// What the upper platform does with a device's Alarm and MobilePosition notifications, whether
// they came as MESSAGE or as NOTIFY inside a subscription (GB/T 28181-2016 §9.4, §9.11;
// docs/gb28181.md §9). The reports one turn of the event loop reads are stored together, in one
// transaction, at the end of that turn (setImmediate: after the poll phase that read the
// datagrams); then each gets its SIP 200, then they are published (SSE, webhooks), then each
// alarm is acknowledged with the standard's <Response> CmdType=Alarm, Result OK, same SN, as a
// MESSAGE of its own (§9.4.2 steps 3-4). So a 200 means "kept", and the answer no longer waits
// behind the fan-out and acknowledgements of the reports before it (docs/events.md §2).
//
// A batch that cannot be stored is answered 500 and not acknowledged. A duplicate is
// acknowledged again (the device may not have got the first Response) but stored once.
import type { Logger } from '../../log.js';
import { LogThrottle } from '../../log-throttle.js';
import type { AlarmInput, EventIntake, PositionInput, StoredReports } from '../../views/events.js';
import type { AlarmNotify, MobilePositionNotify } from '../manscdp/event.js';
import { DeviceMessenger } from './device-messenger.js';
import type { DeviceSession } from './device-sessions.js';
import { alarmInputOf, positionInputOf } from './event-reports.js';
import type { InboxAnswer } from './inbox.js';
import type { SipUserAgent } from '../../sip/index.js';

export interface EventNotificationsOptions {
  ua: SipUserAgent;
  intake: EventIntake | undefined;
  timeZone: string;
  log: Logger;
  now?: () => number;
  /** Runs the batch at the end of this turn; replaceable in tests. Default setImmediate. */
  defer?: (flush: () => void) => void;
}

interface Batch {
  alarms: { m: AlarmNotify; session: DeviceSession; input: AlarmInput; answer: InboxAnswer }[];
  positions: { input: PositionInput; answer: InboxAnswer }[];
  /** Repeats of reports in this batch: answered with it. */
  repeats: InboxAnswer[];
}

const noAnswer: InboxAnswer = () => undefined;

export class EventNotifications {
  readonly stats = {
    alarms: 0,
    duplicates: 0,
    positions: 0,
    batches: 0,
    storeFailures: 0,
    responsesSent: 0,
    responsesFailed: 0,
  };
  readonly #o: EventNotificationsOptions;
  readonly #messenger: DeviceMessenger;
  readonly #failures: LogThrottle;
  #batch: Batch | undefined;

  constructor(opts: EventNotificationsOptions) {
    this.#o = opts;
    this.#messenger = new DeviceMessenger(opts.ua);
    this.#failures = new LogThrottle(opts.log, { linesPerWindow: 5 });
  }

  alarm(m: AlarmNotify, session: DeviceSession, answer: InboxAnswer = noAnswer): void {
    this.stats.alarms++;
    const input = alarmInputOf(m, session.deviceId, this.#o.timeZone, this.#receivedAt());
    this.#pending().alarms.push({ m, session, input, answer });
  }

  position(m: MobilePositionNotify, session: DeviceSession, answer: InboxAnswer = noAnswer): void {
    this.stats.positions++;
    const input = positionInputOf(m, session.deviceId, this.#o.timeZone, this.#receivedAt());
    this.#pending().positions.push({ input, answer });
  }

  /** A repeat of a report (same Call-ID and CSeq): answered like the batch it may belong to. */
  afterPending(answer: InboxAnswer): void {
    if (this.#batch) {
      this.#batch.repeats.push(answer);
    } else {
      answer();
    }
  }

  #pending(): Batch {
    if (!this.#batch) {
      this.#batch = { alarms: [], positions: [], repeats: [] };
      (this.#o.defer ?? setImmediate)(() => this.#flush());
    }
    return this.#batch;
  }

  #flush(): void {
    const b = this.#batch;
    this.#batch = undefined;
    if (!b) {
      return;
    }
    this.stats.batches++;
    const answers = [...b.alarms.map((a) => a.answer), ...b.positions.map((p) => p.answer), ...b.repeats];
    let stored: StoredReports | undefined;
    try {
      stored = this.#o.intake?.store({
        alarms: b.alarms.map((a) => a.input),
        positions: b.positions.map((p) => p.input),
      });
    } catch (err) {
      // Nothing of the batch was kept (one transaction): 500 says so (RFC 3261 §21.5.1); what the
      // device does next is its own policy. No Response OK for an alarm we do not hold.
      this.stats.storeFailures++;
      this.#o.log.error(
        { err, alarms: b.alarms.length, positions: b.positions.length },
        'alarms and positions not stored: answered 500',
      );
      for (const answer of answers) {
        answer(500);
      }
      return;
    }
    for (const answer of answers) {
      answer(200);
    }
    if (stored) {
      this.stats.duplicates += stored.alarms.filter((a) => a === undefined).length;
      try {
        this.#o.intake?.publish(stored);
      } catch (err) {
        this.#o.log.error({ err }, 'stored alarms and positions not published');
      }
    }
    for (const a of b.alarms) {
      this.#acknowledge(a.m, a.session);
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
