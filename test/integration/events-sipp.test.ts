// Alarms and positions from a device that is not ours (issue #14 acceptance 1): sipp plays a GB/T
// 28181 device over UDP and over TCP (test/sipp/events-device.xml, events-device-answer.xml). It
// reports an alarm as a MESSAGE (GB2312, a bare '&'); the test subscribes through the API to its
// alarms and positions, and sipp answers each SUBSCRIBE with NOTIFYs in the dialog. Every report
// must be answered 200 on the wire (sipp's scenario fails otherwise), acknowledged with the
// standard's Response CmdType=Alarm (read from sipp's own message trace), stored, visible in
// GET /api/alarms and /api/positions, and pushed on /api/events within 200 ms of arrival; DELETE
// of a subscription must put `Expires: 0` on the wire.
//
// Skipped only when sipp is not installed and CI is unset; under CI a missing sipp fails.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { openSse, type SseClient, type SseEvent } from '../helpers/sse-client.js';
import { waitFor } from '../helpers/wait.js';
import { repoRoot } from '../helpers/paths.js';
import { REALM, SERVER_ID } from '../helpers/sip-peer.js';
import { freePort } from '../helpers/ports.js';
import { SIPP, runSipp, type SippRun } from '../helpers/sipp.js';

const PUSH_LIMIT_MS = 200;

interface AlarmBody {
  alarmId: string;
  deviceId: string;
  channelId: string;
  sn: string;
  priority: number | null;
  method: number | null;
  type: number | null;
  description: string | null;
  longitude: number | null;
  latitude: number | null;
  receivedAt: string;
  time: string | null;
}
interface PositionBody {
  channelId: string;
  time: string | null;
  longitude: number | null;
  latitude: number | null;
  speed: number | null;
  receivedAt: string;
}
interface SubscriptionBody {
  subscriptionId: string;
  event: string;
  state: string;
}

/** sipp's -trace_msg file as one message per entry, with sipp's own timestamp (GB2312 decoded). */
function traced(path: string): { direction: 'sent' | 'received'; atMs: number; text: string }[] {
  const text = iconv.decode(readFileSync(path), 'gb18030');
  const parts = text.split(/^-{10,} ([^\n]*)\n(?:UDP|TCP) message (sent|received)[^\n]*\n\n/m);
  const out: { direction: 'sent' | 'received'; atMs: number; text: string }[] = [];
  for (let i = 1; i + 2 < parts.length; i += 3) {
    // "2025-04-22 11:26:02.123456" in sipp's local time zone, which is this process's.
    const m = /(\d{4})-(\d\d)-(\d\d)\s+(\d\d):(\d\d):(\d\d)\.(\d{3})/.exec(parts[i]);
    const atMs = m ? new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7]).getTime() : NaN;
    out.push({ direction: parts[i + 1] as 'sent' | 'received', atMs, text: parts[i + 2] });
  }
  return out;
}

const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

/** A scenario template written as GB2312 (sipp sends scenario bytes as they are). */
function gb2312Copy(dir: string, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, iconv.encode(readFileSync(join(repoRoot, 'test', 'sipp', name), 'utf8'), 'gb2312'));
  return path;
}

for (const transport of ['udp', 'tcp'] as const) {
  describe(
    `sipp as a device reporting alarms and positions over ${transport.toUpperCase()}`,
    { skip: !SIPP && !process.env.CI ? 'sipp is not installed' : false },
    () => {
      const deviceId = transport === 'udp' ? '34020000001180000021' : '34020000001180000022';
      const alarmCh = transport === 'udp' ? '34020000001310000021' : '34020000001310000022';
      const messageSn = transport === 'udp' ? '9101' : '9201';
      const notifySn = transport === 'udp' ? '9102' : '9202';
      let h: Harness;
      let sse: SseClient;
      let sipp: SippRun | undefined;
      let work: string;
      const logs = { errors: '', messages: '' };
      const subs: Record<string, SubscriptionBody> = {};

      before(async () => {
        assert.ok(SIPP, 'sipp is required under CI (Debian package sip-tester)');
        h = await startHarness({ simulator: { devices: 0 } });
        sse = await openSse(`${h.base}/api/events?types=alarm,position,device`, {
          Authorization: `Bearer ${h.token}`,
        });
        work = mkdtempSync(join(tmpdir(), `gb-events-sipp-${transport}-`));
        logs.errors = join(work, 'errors.log');
        logs.messages = join(work, 'messages.log');
        const args = [
          `127.0.0.1:${h.gw.sipPort}`,
          '-sf',
          gb2312Copy(work, 'events-device.xml'),
          '-oocsf',
          gb2312Copy(work, 'events-device-answer.xml'),
          '-s',
          deviceId,
          ...Object.entries({
            server: SERVER_ID,
            realm: REALM,
            alarmch: alarmCh,
            alarmsn: messageSn,
            notifysn: notifySn,
          }).flatMap(([k, v]) => ['-key', k, v]),
          '-au',
          deviceId,
          '-ap',
          h.gw.secrets.password,
          '-t',
          transport === 'udp' ? 'u1' : 't1',
          '-i',
          '127.0.0.1',
          '-p',
          String(await freePort()),
          '-cp',
          String(await freePort()),
          '-d',
          '1000',
          '-m',
          '1',
          '-timeout',
          '60s',
          // Forget finished calls at once, so a request inside a dialog whose sipp call ended (the
          // unsubscribe) reaches the out-of-call scenario and is answered.
          '-deadcall_wait',
          '1',
          '-nostdin',
          '-trace_err',
          '-error_file',
          logs.errors,
          '-trace_msg',
          '-message_file',
          logs.messages,
        ];
        sipp = runSipp(SIPP, args, work);
      });

      after(async () => {
        sse?.close();
        await sipp?.stop();
        await h?.close();
        if (work) {
          rmSync(work, { recursive: true, force: true });
        }
      });

      /** How long the event took from the gateway's receipt (and from sipp's send) to this SSE client. */
      async function pushDelays(
        e: SseEvent,
        sentBySipp: RegExp,
      ): Promise<{ fromReceipt: number; fromSipp: number }> {
        const data = e.data as { receivedAt: string };
        // sipp writes its trace after the send, so the event can arrive here first.
        const sent = await waitFor(
          () => traced(logs.messages).find((m) => m.direction === 'sent' && sentBySipp.test(m.text)),
          5000,
          'sipp to log the request',
        );
        return {
          fromReceipt: e.receivedAtMs - Date.parse(data.receivedAt),
          fromSipp: e.receivedAtMs - sent.atMs,
        };
      }

      test('the alarm sent as MESSAGE is answered 200, stored as sent, and pushed within 200 ms', async (t) => {
        const e = await sse.next(
          (x) => x.event === 'alarm' && (x.data as AlarmBody).sn === messageSn,
          15_000,
        );
        const alarm = e.data as AlarmBody;
        assert.deepEqual(
          [alarm.deviceId, alarm.channelId, alarm.priority, alarm.method, alarm.type, alarm.description],
          [deviceId, alarmCh, 1, 5, 6, '区域入侵&越界'],
        );
        assert.deepEqual([alarm.longitude, alarm.latitude], [117.2272, 31.8206]);
        assert.equal(alarm.time, '2025-04-22T03:26:02.000Z');
        const delay = await pushDelays(e, new RegExp(`^MESSAGE[\\s\\S]*<SN>${messageSn}</SN>`));
        t.diagnostic(
          `push delay: ${delay.fromReceipt.toFixed(1)} ms from receipt, ${delay.fromSipp.toFixed(1)} ms from sipp's send`,
        );
        assert.ok(
          delay.fromReceipt < PUSH_LIMIT_MS,
          `pushed ${delay.fromReceipt.toFixed(1)} ms after receipt`,
        );
        assert.ok(
          delay.fromSipp < PUSH_LIMIT_MS,
          `pushed ${delay.fromSipp.toFixed(1)} ms after sipp sent it`,
        );
        const stored = await h.api<AlarmBody[]>(`/api/alarms?deviceId=${deviceId}`);
        assert.deepEqual(
          stored.body.map((a) => a.sn),
          [messageSn],
        );
        assert.equal(stored.body[0].alarmId, alarm.alarmId);
      });

      test('subscriptions to alarms and positions are accepted by the device (SUBSCRIBE on the wire)', async () => {
        for (const event of ['alarm', 'mobile-position']) {
          const res = await h.api<SubscriptionBody>(`/api/devices/${deviceId}/subscriptions`, {
            method: 'POST',
            body: JSON.stringify({
              event,
              expires: 600,
              ...(event === 'mobile-position' ? { interval: 5 } : {}),
            }),
          });
          assert.equal(res.status, 201, JSON.stringify(res.body));
          assert.equal(res.body.state, 'active');
          subs[event] = res.body;
        }
        const wire = traced(logs.messages).filter(
          (m) => m.direction === 'received' && m.text.startsWith('SUBSCRIBE'),
        );
        assert.equal(wire.length, 2);
        assert.match(wire[0].text, /\nEvent: presence\r?\n/);
        assert.match(wire[0].text, /\nExpires: 600\r?\n/);
        assert.match(wire[1].text, /<CmdType>MobilePosition<\/CmdType>[\s\S]*<Interval>5<\/Interval>/);
      });

      test('the alarm NOTIFY in the subscription is answered 200, stored (0,0 kept as sent) and pushed within 200 ms', async (t) => {
        const e = await sse.next((x) => x.event === 'alarm' && (x.data as AlarmBody).sn === notifySn, 10_000);
        const alarm = e.data as AlarmBody;
        assert.deepEqual(
          [alarm.method, alarm.type, alarm.description, alarm.longitude, alarm.latitude],
          [2, 1, '视频丢失', 0, 0],
        );
        const delay = await pushDelays(e, new RegExp(`^NOTIFY[\\s\\S]*<SN>${notifySn}</SN>`));
        t.diagnostic(
          `push delay: ${delay.fromReceipt.toFixed(1)} ms from receipt, ${delay.fromSipp.toFixed(1)} ms from sipp's send`,
        );
        assert.ok(
          delay.fromReceipt < PUSH_LIMIT_MS,
          `pushed ${delay.fromReceipt.toFixed(1)} ms after receipt`,
        );
        assert.ok(
          delay.fromSipp < PUSH_LIMIT_MS,
          `pushed ${delay.fromSipp.toFixed(1)} ms after sipp sent it`,
        );
        const stored = await h.api<AlarmBody[]>(`/api/alarms?deviceId=${deviceId}`);
        assert.deepEqual(
          stored.body.map((a) => a.sn),
          [notifySn, messageSn],
        );
      });

      test('both alarms are acknowledged with a Response CmdType=Alarm, same SN and DeviceID, Result OK', async () => {
        for (const sn of [messageSn, notifySn]) {
          const response = await waitFor(
            () =>
              traced(logs.messages).find(
                (m) =>
                  m.direction === 'received' &&
                  m.text.startsWith('MESSAGE') &&
                  /<Response>/.test(m.text) &&
                  tag(m.text, 'CmdType') === 'Alarm' &&
                  tag(m.text, 'SN') === sn,
              ),
            5000,
            `the Response to alarm SN ${sn}`,
          );
          assert.equal(tag(response.text, 'DeviceID'), alarmCh);
          assert.equal(tag(response.text, 'Result'), 'OK');
          assert.match(response.text, new RegExp(`^MESSAGE sip:${deviceId}@127\\.0\\.0\\.1:\\d+ SIP/2\\.0`));
        }
      });

      test('the position NOTIFYs are answered 200, stored as a track, the latest listed, each pushed within 200 ms', async () => {
        const first = await sse.next((x) => x.event === 'position', 10_000);
        const second = await sse.next(
          (x) => x.event === 'position' && (x.data as PositionBody).time === '2025-04-22T03:31:00.000Z',
          10_000,
        );
        for (const e of [first, second]) {
          const d = e.receivedAtMs - Date.parse((e.data as PositionBody).receivedAt);
          assert.ok(d < PUSH_LIMIT_MS, `pushed ${d.toFixed(1)} ms after receipt`);
        }
        const latest = await h.api<PositionBody[]>('/api/positions');
        const mine = latest.body.filter((p) => p.channelId === alarmCh);
        assert.deepEqual(
          mine.map((p) => [p.time, p.longitude, p.latitude, p.speed]),
          [['2025-04-22T03:31:00.000Z', 117.2283, 31.8219, 21]],
        );
        const track = await h.api<PositionBody[]>(
          `/api/devices/${deviceId}/channels/${alarmCh}/positions?start=2025-04-22T03:00:00Z&end=2025-04-22T04:00:00Z`,
        );
        assert.equal(track.body.length, 2);
      });

      test('DELETE of the alarm subscription puts SUBSCRIBE with Expires: 0 inside its dialog on the wire', async () => {
        const started = performance.now();
        const res = await h.api(`/api/devices/${deviceId}/subscriptions/${subs.alarm.subscriptionId}`, {
          method: 'DELETE',
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.ok(performance.now() - started < 2000, 'the device answered the unsubscribe');
        const subscribes = traced(logs.messages).filter(
          (m) => m.direction === 'received' && m.text.startsWith('SUBSCRIBE'),
        );
        const callId = (t: string) => /\nCall-ID: *([^\r\n]+)/i.exec(t)?.[1];
        const original = subscribes.find((m) => /<CmdType>Alarm<\/CmdType>/.test(m.text))!;
        const ending = subscribes.find((m) => /\nExpires: 0\r?\n/.test(m.text));
        assert.ok(ending, 'a SUBSCRIBE with Expires: 0 reached the device');
        assert.equal(callId(ending.text), callId(original.text));
        assert.match(ending.text, /\nTo: [^\n]*;tag=/);
        const left = await h.api<SubscriptionBody[]>(`/api/devices/${deviceId}/subscriptions`);
        assert.deepEqual(
          left.body.map((s) => s.event),
          ['mobile-position'],
        );
      });

      test('sipp saw every one of its requests answered 200 and logged no error', () => {
        const errors = existsSync(logs.errors) ? readFileSync(logs.errors, 'latin1') : '';
        assert.doesNotMatch(
          errors,
          /Aborting call|Failed regexp|unexpected|Unexpected/i,
          errors.slice(0, 3000),
        );
        const wire = traced(logs.messages);
        const answered = (method: string) =>
          wire.filter(
            (m) =>
              m.direction === 'received' &&
              new RegExp(`^SIP/2\\.0 200[^\\n]*[\\s\\S]*CSeq: *\\d+ ${method}`).test(m.text),
          ).length;
        assert.ok(answered('NOTIFY') >= 3, `${answered('NOTIFY')} NOTIFYs answered 200`);
        assert.ok(answered('MESSAGE') >= 2, `${answered('MESSAGE')} MESSAGEs answered 200`);
        assert.ok(sipp!.running, 'sipp is still running its keepalive loop');
      });
    },
  );
}
