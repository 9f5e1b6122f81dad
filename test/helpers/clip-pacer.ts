// Publishes a test clip into a hub in real time, looping with continuous timestamps, the way a
// camera's stream reaches the hub through ingest (for WebRTC tests and the fan-out benchmark).
// Real time on purpose: what is under test there (werift, Chromium) runs on the real clock.
import { CLOCK_HZ, type AccessUnit } from '../../codecs/types.js';
import { AUDIO_TICKS, FRAME_TICKS, type TestClip } from './media-clip.js';

/** Anything with a hub-style publish(); gateway/hub/stream.ts Stream fits. */
export interface Publisher {
  publish(au: AccessUnit): void;
}

/** Starts publishing `clip` (audio too unless `audio: false`); every looped AU is a fresh object. Returns stop(). */
export function pace(clip: TestClip, into: Publisher, opts: { audio?: boolean } = {}): () => void {
  const started = performance.now();
  const shift = (au: AccessUnit, by: number): AccessUnit => ({ ...au, pts: au.pts + by, dts: au.dts + by });
  let v = 0;
  let a = 0;
  const tick = (): void => {
    const now = ((performance.now() - started) / 1000) * CLOCK_HZ;
    while (v * FRAME_TICKS <= now) {
      const loop = Math.floor(v / clip.video.length);
      into.publish(shift(clip.video[v % clip.video.length], loop * clip.durationTicks));
      v++;
    }
    while ((opts.audio ?? true) && clip.audio.length > 0 && a * AUDIO_TICKS <= now) {
      const loop = Math.floor(a / clip.audio.length);
      into.publish(shift(clip.audio[a % clip.audio.length], loop * clip.audio.length * AUDIO_TICKS));
      a++;
    }
  };
  tick();
  const timer = setInterval(tick, 10);
  return () => clearInterval(timer);
}
