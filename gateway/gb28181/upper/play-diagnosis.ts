// The steps of one play attempt with timestamps, and the failure classified in plain words
// (what an operator needs when a camera shows black: who dropped what, where).
//
// SSRC (docs/gb28181.md §7.3, §11 quirk 11, §13 trap 6): the ingest learns the first SSRC it sees, so a
// device that ignores y= still plays and no 'ssrc-mismatch' is ever raised. The diagnosis then
// compares the first RTP packet's SSRC with the y= we offered (or the answer's y=, when the 200
// changed it) and names the difference as the cause, while the stream stays ok.
//
// The media facts (codec, first keyframe, a codec change mid-stream, B-frames, viewers closed
// for a reason) are the hub's (gateway/hub/media-events.ts); this only writes them down.
import type { PlayMediaEvent } from '../../media-plane/media-node-client.js';

export interface DiagnosisStep {
  at: string;
  step: string;
  detail?: string;
}

const hex = (n: number | undefined) =>
  n === undefined ? 'none' : `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;

export class PlayDiagnosis {
  readonly steps: DiagnosisStep[] = [];
  ok = false;
  #failure: string | null = null;
  #mismatch: string | null = null;
  /** The SSRC of the current attempt's offer, and of its answer when the 200 changed y=. */
  #offered: number | undefined;
  #answered: number | undefined;
  /** SSRC of the first accepted RTP packet of the current attempt. */
  #firstRtp: number | undefined;
  /** learn-first moved to the expected SSRC after a stray one: the device does honour y=. */
  #switchedToExpected = false;

  constructor(readonly streamId: string) {}

  /** The failure, else an anomaly of a stream that plays (wrong SSRC), else null. */
  get cause(): string | null {
    return this.#failure ?? this.#mismatch ?? this.#ssrcCause();
  }

  add(step: string, detail?: string): void {
    this.steps.push({ at: new Date().toISOString(), step, ...(detail === undefined ? {} : { detail }) });
    if (this.steps.length > 200) {
      this.steps.splice(1, 1);
    } // keep the beginning; a long stream's events stay bounded
  }

  /**
   * The y= SSRC (as the RTP uint32) of an attempt: call with 'offer' before each INVITE (a
   * fallback attempt starts afresh) and with 'answer' when the 200 carries a different y=.
   */
  expectSsrc(ssrc: number | undefined, from: 'offer' | 'answer'): void {
    if (from === 'offer') {
      this.#offered = ssrc;
      this.#answered = undefined;
      this.#firstRtp = undefined;
      this.#switchedToExpected = false;
    } else {
      this.#answered = ssrc;
    }
  }

  /** Records what the ingest and the hub report, in the order they happen. */
  ingest(e: PlayMediaEvent): void {
    switch (e.type) {
      case 'listening':
        this.add('media-port-ready', `${e.transport} port ${e.port}`);
        return;
      case 'connected':
        this.add('media-connected', `${e.address}:${e.port}`);
        return;
      case 'disconnected':
        this.add('media-disconnected', `${e.address}:${e.port}: ${e.reason}`);
        return;
      case 'connect-failed':
        this.add('media-connect-failed', `attempt ${e.attempt} to ${e.host}:${e.port}: ${e.error}`);
        return;
      case 'connection-refused':
        this.add('media-connection-refused', `${e.address}:${e.port}`);
        return;
      case 'first-rtp':
        this.#firstRtp = e.ssrc;
        this.add('first-rtp', `from ${e.address}:${e.port}, SSRC ${hex(e.ssrc)}, PT ${e.payloadType}`);
        return;
      case 'ssrc-mismatch':
        this.add(
          'ssrc-mismatch',
          `SSRC ${hex(e.got)} from ${e.address} differs from the ${hex(e.expected)} we offered`,
        );
        this.#mismatch ??= `SSRC ${hex(e.got)} differs from the ${hex(e.expected)} we offered: the device ignores y= (packets kept out of the stream)`;
        return;
      case 'ssrc-switch':
        this.add('ssrc-switch', `${hex(e.from)} → ${hex(e.to)}`);
        this.#switchedToExpected = e.to === this.#expected();
        return;
      case 'source-mismatch':
        this.add(
          'source-mismatch',
          `SSRC ${hex(e.ssrc)} from ${e.address}:${e.port} kept out: the stream comes from ${e.locked.address}:${e.locked.port}`,
        );
        return;
      case 'source-switch':
        this.add('source-switch', `${e.from.address}:${e.from.port} → ${e.to.address}:${e.to.port}`);
        return;
      case 'first-pack':
        this.add('first-ps-pack');
        return;
      case 'pes-without-pts':
        this.add(
          'pes-without-pts',
          e.timedBy === 'rtp-timestamp'
            ? 'the video PES carry no PTS (an encoder bug): frames are timed from the RTP timestamp'
            : 'some video PES carry no PTS: those frames are timed from their neighbours',
        );
        return;
      case 'codec': {
        const now = [e.video, e.audio].filter(Boolean).join(' + ');
        if (!e.previous) {
          this.add('codec-found', now);
          return;
        }
        const before = [e.previous.video, e.previous.audio].filter(Boolean).join(' + ');
        this.add(
          'codec-changed',
          `${before} → ${now} mid-stream (the device was reconfigured or another sender took over): ` +
            'HLS goes on after a discontinuity with a new init segment; WebRTC viewers that cannot ' +
            'decode the new codec move to the transcoder or are closed (viewer-closed)',
        );
        return;
      }
      case 'first-keyframe':
        this.add('first-keyframe');
        this.ok = true;
        return;
      case 'b-frames':
        this.add(
          'b-frames',
          'the camera sends B-frames: WebRTC viewers are closed and refused; HLS carries them',
        );
        return;
      case 'sink-closed':
        this.add('viewer-closed', `${e.sink}: ${e.reason}${e.detail ? ` (${e.detail})` : ''}`);
        return;
      case 'stalled':
        this.add(
          'media-stalled',
          `camera lost: no media for ${(e.silentMs / 1000).toFixed(1)} s (the device was switched off, ` +
            'crashed or lost its network); WebRTC viewers were told, the stream waits for the no-media timeout',
        );
        return;
      case 'resumed':
        this.add('media-resumed', `media again after ${(e.silentMs / 1000).toFixed(1)} s of silence`);
        return;
    }
  }

  fail(cause: string): void {
    this.ok = false;
    this.#failure = cause;
    this.add('failed', cause);
  }

  toJSON(): { streamId: string; ok: boolean; steps: DiagnosisStep[]; cause: string | null } {
    return { streamId: this.streamId, ok: this.ok, steps: this.steps, cause: this.cause };
  }

  #expected(): number | undefined {
    return this.#answered ?? this.#offered;
  }

  #ssrcCause(): string | null {
    const expected = this.#expected();
    const got = this.#firstRtp;
    if (expected === undefined || got === undefined || got === expected || this.#switchedToExpected) {
      return null;
    }
    const ours = this.#answered === undefined ? 'we offered' : "of the device's own answer";
    // Dahua cameras send SSRC 0 whatever y= says (SRS #2047).
    const who = got === 0 ? 'the device sends SSRC 0 (as Dahua cameras do)' : 'the device ignores y=';
    return `SSRC ${hex(got)} differs from the ${hex(expected)} ${ours}: ${who}; the stream plays because its receive port carries nothing else`;
  }
}
