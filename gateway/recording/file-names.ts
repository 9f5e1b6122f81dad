// Where recordings live (docs/recording.md §1): <data dir>/recordings/<deviceId>/<channelId>/
// <start ms>-<reason>.mp4. The name alone is enough to index a file found without its row after
// a crash: the channel from the directories, the start and reason from the name.
import { join, sep } from 'node:path';
import type { RecordingReason } from '../store/recording-store.js';

const REASONS: readonly RecordingReason[] = ['always', 'schedule', 'alarm', 'manual'];
const GB_ID = /^\d{20}$/;
const NAME = /^(\d{13})-([a-z]+)\.mp4$/;

export function recordingFileName(
  deviceId: string,
  channelId: string,
  startMs: number,
  reason: RecordingReason,
): string {
  return join(deviceId, channelId, `${Math.round(startMs)}-${reason}.mp4`);
}

/** The parts of a relative recording path, or undefined when it is not one of ours. */
export function parseRecordingFileName(
  relative: string,
): { deviceId: string; channelId: string; startMs: number; reason: RecordingReason } | undefined {
  const parts = relative.split(sep);
  if (parts.length !== 3 || !GB_ID.test(parts[0]) || !GB_ID.test(parts[1])) {
    return undefined;
  }
  const m = NAME.exec(parts[2]);
  if (!m || !(REASONS as readonly string[]).includes(m[2])) {
    return undefined;
  }
  return { deviceId: parts[0], channelId: parts[1], startMs: Number(m[1]), reason: m[2] as RecordingReason };
}
