// Alarms and positions of one event-loop turn: stored in one call, then answered 200, then
// published, then acknowledged with the Response CmdType=Alarm; a batch that cannot be stored is
// answered 500 and not acknowledged (docs/events.md §2).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../log.js';
import type { SipUserAgent } from '../../sip/index.js';
import type { EventIntake, ReportBatch, StoredReports } from '../../views/events.js';
import type { AlarmNotify, MobilePositionNotify } from '../manscdp/event.js';
import type { DeviceSession } from './device-sessions.js';
import { EventNotifications } from './event-notifications.js';

const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';

/** Everything that happens, in order: store, answer, publish, send. */
function rig(opts: { failStore?: boolean } = {}) {
  const log: string[] = [];
  const flushes: (() => void)[] = [];
  let nextId = 1;
  const seen = new Set<string>();
  const intake: EventIntake = {
    store(batch: ReportBatch): StoredReports {
      log.push(`store ${batch.alarms.length}+${batch.positions.length}`);
      if (opts.failStore) {
        throw new Error('SQLITE_FULL');
      }
      return {
        alarms: batch.alarms.map((a) => {
          if (seen.has(a.sn)) {
            return undefined;
          }
          seen.add(a.sn);
          return { ...a, alarmId: String(nextId++), acknowledged: false, acknowledgedAt: null };
        }),
        positions: batch.positions,
      };
    },
    publish(stored) {
      log.push(`publish ${stored.alarms.filter(Boolean).length}+${stored.positions.length}`);
    },
    device: () => undefined,
    channel: () => undefined,
    stream: () => undefined,
  };
  const ua = {
    createRequest: (o: { body: Uint8Array }) => o,
    request: (req: { body: Uint8Array }) => {
      const sn = /<SN>(\d+)<\/SN>/.exec(Buffer.from(req.body).toString('latin1'))?.[1];
      log.push(`Response SN ${sn}`);
      return Promise.resolve({ status: 200 });
    },
  } as unknown as SipUserAgent;
  const n = new EventNotifications({
    ua,
    intake,
    timeZone: 'Asia/Shanghai',
    log: createLogger('test'),
    defer: (flush) => void flushes.push(flush),
  });
  const session = {
    deviceId: DEVICE,
    remote: { transport: 'udp', address: '10.0.0.10', port: 5060 },
    charset: 'GB2312',
  };
  const alarm = (sn: string): AlarmNotify => ({
    kind: 'AlarmNotify',
    sn,
    deviceId: CHANNEL,
    alarmPriority: 1,
    alarmMethod: 5,
    alarmTime: '2025-04-22T11:26:02',
  });
  const position: MobilePositionNotify = {
    kind: 'MobilePositionNotify',
    sn: '7',
    deviceId: CHANNEL,
    longitude: '117.2',
    latitude: '31.8',
  };
  const answer =
    (name: string) =>
    (status: 200 | 500 = 200) =>
      void log.push(`${status} ${name}`);
  return { n, log, flushes, session: session as unknown as DeviceSession, alarm, position, answer };
}

test('one turn of alarms and positions: one store, then every 200, then publish, then the Responses', async () => {
  const { n, log, flushes, session, alarm, position, answer } = rig();
  n.alarm(alarm('1'), session, answer('alarm 1'));
  n.alarm(alarm('2'), session, answer('alarm 2'));
  n.position(position, session, answer('position'));
  n.afterPending(answer('repeat of alarm 2'));
  assert.deepEqual(log, [], 'nothing is answered or stored before the turn ends');
  assert.equal(flushes.length, 1, 'one flush per turn');
  flushes[0]();
  await Promise.resolve();
  assert.deepEqual(log, [
    'store 2+1',
    '200 alarm 1',
    '200 alarm 2',
    '200 position',
    '200 repeat of alarm 2',
    'publish 2+1',
    'Response SN 1',
    'Response SN 2',
  ]);
  await new Promise((r) => setImmediate(r));
  assert.equal(n.stats.responsesSent, 2);

  // The next turn is a batch of its own; a duplicate is answered and acknowledged, not published.
  log.length = 0;
  n.alarm(alarm('1'), session, answer('alarm 1 again'));
  assert.equal(flushes.length, 2);
  flushes[1]();
  assert.deepEqual(log, ['store 1+0', '200 alarm 1 again', 'publish 0+0', 'Response SN 1']);
  assert.equal(n.stats.duplicates, 1);

  // A repeat with nothing pending is answered at once.
  log.length = 0;
  n.afterPending(answer('late repeat'));
  assert.deepEqual(log, ['200 late repeat']);
});

test('a batch the store refuses is answered 500, neither published nor acknowledged', () => {
  const { n, log, flushes, session, alarm, position, answer } = rig({ failStore: true });
  n.alarm(alarm('1'), session, answer('alarm 1'));
  n.position(position, session, answer('position'));
  flushes[0]();
  assert.deepEqual(log, ['store 1+1', '500 alarm 1', '500 position']);
  assert.equal(n.stats.storeFailures, 1);
});
