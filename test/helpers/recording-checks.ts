// Checks shared by the cloud-recording tests: ffprobe's reading of a recorded file (streams,
// duration, timestamps that only go forward) and the gaps between a channel's files.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RecordingProbe {
  video: { codec: string; width: number; height: number } | undefined;
  audio: { codec: string } | undefined;
  /** Video: first packet's DTS to the last packet's end, seconds. */
  videoSec: number;
  videoPackets: number;
  audioPackets: number;
  /** The first DTS that did not rise within its stream, if any ("stream:index dts<=prev"). */
  nonMonotonic: string | undefined;
  /** What ffprobe wrote to stderr (-v error): empty for a clean file. */
  errors: string;
}

interface Packet {
  stream_index: number;
  dts_time?: string;
  duration_time?: string;
}

export async function probeRecording(path: string): Promise<RecordingProbe> {
  const { stdout, stderr } = await run(
    'ffprobe',
    [
      '-v',
      'error',
      '-show_streams',
      '-show_packets',
      '-show_entries',
      'packet=stream_index,dts_time,duration_time',
      '-of',
      'json',
      path,
    ],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  const json = JSON.parse(stdout) as {
    streams: { index: number; codec_type: string; codec_name: string; width?: number; height?: number }[];
    packets: Packet[];
  };
  const v = json.streams.find((s) => s.codec_type === 'video');
  const a = json.streams.find((s) => s.codec_type === 'audio');
  let nonMonotonic: string | undefined;
  const last = new Map<number, number>();
  for (const [i, p] of json.packets.entries()) {
    const dts = Number(p.dts_time);
    const prev = last.get(p.stream_index);
    if (prev !== undefined && !(dts > prev) && nonMonotonic === undefined) {
      nonMonotonic = `stream ${p.stream_index} packet ${i}: dts ${dts} after ${prev}`;
    }
    last.set(p.stream_index, dts);
  }
  const vp = json.packets.filter((p) => p.stream_index === v?.index);
  const lastV = vp[vp.length - 1];
  return {
    video: v ? { codec: v.codec_name, width: v.width ?? 0, height: v.height ?? 0 } : undefined,
    audio: a ? { codec: a.codec_name } : undefined,
    videoSec: lastV ? Number(lastV.dts_time) + Number(lastV.duration_time ?? 0) - Number(vp[0].dts_time) : 0,
    videoPackets: vp.length,
    audioPackets: json.packets.filter((p) => p.stream_index === a?.index).length,
    nonMonotonic,
    errors: stderr.trim(),
  };
}

/** The longest hole between consecutive spans (sorted by start), in ms; negative when they overlap. */
export function longestGapMs(spans: readonly { start: string; end: string }[]): number {
  const sorted = [...spans].sort((x, y) => Date.parse(x.start) - Date.parse(y.start));
  let worst = -Infinity;
  for (let i = 1; i < sorted.length; i++) {
    worst = Math.max(worst, Date.parse(sorted[i].start) - Date.parse(sorted[i - 1].end));
  }
  return worst;
}
