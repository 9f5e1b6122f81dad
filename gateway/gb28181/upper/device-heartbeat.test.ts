// Issue #17 acceptance 4: a device whose ConfigDownload says heartbeat 10 s × 3 goes offline 30-35 s
// after its last keepalive while the global default is 60 s × 3 (docs/gb28181.md §2 "Timing").
// The clock is injected; the device's answer comes through the real DeviceQueries/DeviceCommands
// path from a stand-in user agent that answers like a device.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SipRemote, SipUserAgent } from '../../sip/index.js';
import { createLogger } from '../../log.js';
import { SqliteDeviceStore } from '../../store/sqlite-store.js';
import { parseManscdp, type ManscdpMessage } from '../manscdp/codec.js';
import { DeviceCommands } from './device-commands.js';
import { DeviceQueries } from './device-queries.js';
import { DeviceSessions } from './device-sessions.js';

const TEN_SEC = '34020000001180000001';
const DEFAULT = '34020000001180000002';
const T0 = Date.parse('2025-04-18T02:23:02.000Z');
const remote = (port: number): SipRemote => ({ transport: 'udp', address: '203.0.113.7', port });

function rig(answer: (query: ManscdpMessage) => ManscdpMessage | undefined) {
  const store = new SqliteDeviceStore(':memory:');
  let now = T0;
  const opts = { store, keepaliveIntervalSec: 60, keepaliveTimeoutCount: 3, now: () => now };
  const sessions = new DeviceSessions(opts);
  const log = createLogger('test');
  // Answers 200 to every MESSAGE, then sends the device's <Response> as a new MESSAGE would.
  const ua = {
    createRequest: (o: { body: Uint8Array }) => o,
    request: (req: { body: Uint8Array }) => {
      const parsed = parseManscdp(req.body);
      assert.ok(parsed.ok);
      const reply = answer(parsed.value.message);
      if (reply) {
        setImmediate(() =>
          queries.deliver(reply, sessions.get('deviceId' in reply ? (reply.deviceId ?? '') : '')!),
        );
      }
      return Promise.resolve({ status: 200, reason: 'OK' });
    },
  } as unknown as SipUserAgent;
  const queries = new DeviceQueries({
    ua,
    store,
    sessions,
    log,
    timeZone: 'Asia/Shanghai',
    queryTimeoutMs: 1000,
  });
  const commands = new DeviceCommands({ queries, sessions, store, log, answerTimeoutMs: 1000 });
  /** Advances the clock one second at a time, sweeping as the sweep timer does; returns when `id` went offline. */
  const offlineAfter = (id: string, limitSec: number): number | undefined => {
    for (let s = 1; s <= limitSec; s++) {
      now += 1000;
      sessions.sweep();
      if (!sessions.get(id)?.online) {
        return s;
      }
    }
    return undefined;
  };
  return {
    store,
    sessions,
    commands,
    offlineAfter,
    opts,
    keepalive: (id: string, port: number) => sessions.touch(id, remote(port), true),
  };
}

const configAnswer = (q: ManscdpMessage): ManscdpMessage | undefined =>
  q.kind === 'ConfigDownloadQuery'
    ? {
        kind: 'ConfigDownloadResponse',
        sn: q.sn,
        deviceId: q.deviceId,
        result: 'OK',
        basicParam: { name: 'NVR', expiration: 3600, heartBeatInterval: 10, heartBeatCount: 3 },
      }
    : undefined;

test('ConfigDownload 10 s × 3: offline 30-35 s after the last keepalive; a device without its own timing keeps the global 180 s', async () => {
  const r = rig(configAnswer);
  r.sessions.register(TEN_SEC, remote(40211), 3600, 'a');
  r.sessions.register(DEFAULT, remote(40212), 3600, 'b');
  const config = await r.commands.readConfig(TEN_SEC);
  assert.equal(config.heartbeatInterval, 10);
  assert.equal(config.heartbeatCount, 3);
  assert.deepEqual(r.sessions.heartbeatOf(TEN_SEC), { intervalSec: 10, count: 3 });
  assert.deepEqual(r.sessions.heartbeatOf(DEFAULT), { intervalSec: 60, count: 3 });

  r.keepalive(TEN_SEC, 40211);
  r.keepalive(DEFAULT, 40212);
  const offlineAt = r.offlineAfter(TEN_SEC, 200);
  assert.ok(offlineAt !== undefined && offlineAt >= 30 && offlineAt <= 35, `offline after ${offlineAt} s`);
  assert.equal(r.sessions.get(DEFAULT)?.online, true, 'the global timing must not have changed');
  const defaultAt = r.offlineAfter(DEFAULT, 200);
  assert.ok(
    defaultAt !== undefined && offlineAt + defaultAt > 180 && offlineAt + defaultAt <= 185,
    `${defaultAt}`,
  );
});

test("the device's timing is stored and survives a restart of the gateway", async () => {
  const r = rig(configAnswer);
  r.sessions.register(TEN_SEC, remote(40211), 3600, 'a');
  await r.commands.readConfig(TEN_SEC);
  assert.equal(r.store.getDevice(TEN_SEC)?.heartbeatIntervalSec, 10);
  assert.equal(r.store.getDevice(TEN_SEC)?.heartbeatCount, 3);
  const restarted = new DeviceSessions(r.opts);
  assert.equal(restarted.restoreRegistrations(), 1);
  assert.deepEqual(restarted.heartbeatOf(TEN_SEC), { intervalSec: 10, count: 3 });
});

test('implausible timings (0 s, 10 hours, no count) leave the global timing in place', async () => {
  for (const basicParam of [
    { heartBeatInterval: 0, heartBeatCount: 3 },
    { heartBeatInterval: 36_000, heartBeatCount: 3 },
    { heartBeatInterval: 10 },
  ]) {
    const r = rig((q) =>
      q.kind === 'ConfigDownloadQuery'
        ? { kind: 'ConfigDownloadResponse', sn: q.sn, deviceId: q.deviceId, result: 'OK', basicParam }
        : undefined,
    );
    r.sessions.register(TEN_SEC, remote(40211), 3600, 'a');
    await r.commands.readConfig(TEN_SEC);
    assert.deepEqual(
      r.sessions.heartbeatOf(TEN_SEC),
      { intervalSec: 60, count: 3 },
      JSON.stringify(basicParam),
    );
    assert.equal(r.store.getDevice(TEN_SEC)?.heartbeatIntervalSec, null);
  }
});

test('a device that does not answer ConfigDownload: GW_ERR_DEVICE_TIMEOUT, timing unchanged', async () => {
  const r = rig(() => undefined);
  r.sessions.register(TEN_SEC, remote(40211), 3600, 'a');
  await assert.rejects(r.commands.readConfig(TEN_SEC), { code: 'GW_ERR_DEVICE_TIMEOUT' });
  assert.deepEqual(r.sessions.heartbeatOf(TEN_SEC), { intervalSec: 60, count: 3 });
});
