// Offers alarms at an exact rate from a simulator fleet (bench suite `events`): every 10 ms tick,
// the alarms due by then go out round-robin over the registered devices as GB/T 28181 alarm
// MESSAGEs (LowerPlatform.raiseAlarm, unsubscribed), each with a unique SN. Counts what the upper
// answered, how fast, and the Responses CmdType=Alarm it sent back.
import type { Simulator } from '../../simulator/index.js';
import { quantile, round } from './stats.js';

export interface AlarmLoadResult {
  offered: number;
  seconds: number;
  answered2xx: number;
  failed: number;
  /** MESSAGE → final answer, ms. */
  answerP50Ms: number;
  answerP99Ms: number;
  answerMaxMs: number;
  /** Responses CmdType=Alarm received from the upper. */
  acknowledged: number;
  /** The pacer's own lag behind the schedule at the end (the generator keeping up). */
  scheduleLagMs: number;
}

export async function offerAlarms(
  fleets: readonly Simulator[],
  ratePerSec: number,
  durationSec: number,
): Promise<AlarmLoadResult> {
  const devices = fleets.flatMap((f) => f.devices).filter((d) => d.platform.state === 'registered');
  if (devices.length === 0) {
    throw new Error('no registered device to raise alarms from');
  }
  let acknowledged = 0;
  const offs = devices.map((d) => d.platform.on('alarmAcknowledged', () => acknowledged++));
  const total = Math.round(ratePerSec * durationSec);
  const answers: Promise<void>[] = [];
  const times: number[] = [];
  let answered2xx = 0;
  let failed = 0;
  let sent = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * ratePerSec));
      for (; sent < due; sent++) {
        const d = devices[sent % devices.length];
        const ch = d.backend.channelIds[0];
        const started = performance.now();
        answers.push(
          d.platform
            .raiseAlarm({
              sourceId: ch,
              priority: 1 + (sent % 4),
              method: 5,
              type: 2,
              timeMs: Date.now(),
              description: 'bench',
            })
            .then((ok) => {
              times.push(performance.now() - started);
              if (ok) {
                answered2xx++;
              } else {
                failed++;
              }
            }),
        );
      }
      if (sent >= total) {
        resolve();
      } else {
        setTimeout(tick, 10);
      }
    };
    tick();
  });
  const scheduleLagMs = performance.now() - t0 - durationSec * 1000;
  await Promise.all(answers);
  const seconds = (performance.now() - t0) / 1000;
  // The Responses follow the 200s; give the last ones a moment.
  const until = performance.now() + 5000;
  while (acknowledged < answered2xx && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const off of offs) {
    off();
  }
  return {
    offered: total,
    seconds: round(seconds, 2),
    answered2xx,
    failed,
    answerP50Ms: round(quantile(times, 0.5), 2),
    answerP99Ms: round(quantile(times, 0.99), 2),
    answerMaxMs: round(Math.max(...times), 2),
    acknowledged,
    scheduleLagMs: round(Math.max(0, scheduleLagMs), 1),
  };
}
