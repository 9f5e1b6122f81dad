// Shared by the fault-injection and flood tests (fault-*.test.ts, flood.test.ts): start a live
// stream through the API, count the frames the gateway publishes (a sink on the stream hub, the
// same place the HLS and WebRTC outputs read from), and find the stream's media port.
import assert from 'node:assert/strict';
import type { AccessUnit } from '../../codecs/types.js';
import type { Sink } from '../../gateway/hub/sink.js';
import type { Harness } from './gateway-harness.js';
import { waitFor } from './wait.js';

export const DEVICE = '34020000001180000001';
export const CH1 = '34020000001310000001';

export interface LiveAnswer {
  streamId: string;
  hls: string;
  whep: string;
  transport: string;
}

export interface StreamView {
  streamId: string;
  deviceId: string;
  state: string;
  fps: number | null;
  packetsLost: number;
}

export interface Diagnosis {
  ok: boolean;
  cause: string | null;
  steps: { step: string; detail?: string }[];
}

export async function startLive(h: Harness, deviceId = DEVICE, channelId = CH1): Promise<LiveAnswer> {
  const live = await h.api<LiveAnswer>(`/api/devices/${deviceId}/channels/${channelId}/live`, {
    method: 'POST',
  });
  assert.equal(live.status, 200, JSON.stringify(live.body));
  return live.body;
}

export function diagnosis(h: Harness, streamId: string): Promise<Diagnosis> {
  return h.api<Diagnosis>(`/api/streams/${streamId}/diagnosis`).then((r) => r.body);
}

/** The local port the gateway receives this stream's RTP on (from the play diagnosis). */
export async function mediaPort(h: Harness, streamId: string): Promise<number> {
  const d = await diagnosis(h, streamId);
  const step = d.steps.find((s) => s.step === 'media-port-ready');
  const port = Number(/port (\d+)/.exec(step?.detail ?? '')?.[1]);
  assert.ok(port > 0, `no media port in ${JSON.stringify(d.steps)}`);
  return port;
}

/**
 * Counts the video access units a stream publishes, with their arrival times. Subscribes as a
 * viewer, so the stream is not idle-stopped while the test watches.
 */
export class FrameCounter {
  readonly arrivals: number[] = [];
  keyframes = 0;
  closedWith: string | undefined;
  readonly #unsubscribe: () => void;

  constructor(h: Harness, streamId: string) {
    const stream = h.gw.streams.get(streamId);
    assert.ok(stream, `no stream ${streamId} in the registry`);
    const sink: Sink = {
      id: `frame-counter-${streamId}`,
      write: (au: AccessUnit) => {
        if (au.codec === 'H264' || au.codec === 'H265') {
          this.arrivals.push(Date.now());
          if (au.keyframe) {
            this.keyframes++;
          }
        }
      },
      close: (reason) => {
        this.closedWith ??= reason;
      },
    };
    this.#unsubscribe = stream.subscribe(sink, { viewer: true });
  }

  /** Frames per second that arrived in [fromMs, toMs). */
  fps(fromMs: number, toMs: number): number {
    const n = this.arrivals.filter((t) => t >= fromMs && t < toMs).length;
    return (n * 1000) / (toMs - fromMs);
  }

  /** Longest time without a frame inside [fromMs, toMs). */
  longestGapMs(fromMs: number, toMs: number): number {
    let prev = fromMs;
    let gap = 0;
    for (const t of this.arrivals) {
      if (t < fromMs || t >= toMs) {
        continue;
      }
      gap = Math.max(gap, t - prev);
      prev = t;
    }
    return Math.max(gap, toMs - prev);
  }

  close(): void {
    this.#unsubscribe();
  }
}

/** Waits for `count` video frames to have arrived (the stream is playing). */
export async function waitForFrames(counter: FrameCounter, count: number, timeoutMs = 15_000): Promise<void> {
  await waitFor(() => counter.arrivals.length >= count, timeoutMs, `${count} video frames`);
}
