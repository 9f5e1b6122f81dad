// The steps of one play attempt with timestamps, and the failure classified in plain words
// (what an operator needs when a camera shows black: who dropped what, where).
import type { IngestEvent } from '../../media/ingest.js';

export interface DiagnosisStep {
  at: string;
  step: string;
  detail?: string;
}

const hex = (n: number | undefined) =>
  n === undefined ? 'none' : `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;

export class PlayDiagnosis {
  readonly steps: DiagnosisStep[] = [];
  cause: string | null = null;
  ok = false;
  readonly #seen = new Set<string>();

  constructor(readonly streamId: string) {}

  add(step: string, detail?: string): void {
    this.steps.push({ at: new Date().toISOString(), step, ...(detail === undefined ? {} : { detail }) });
    if (this.steps.length > 200) {
      this.steps.splice(1, 1);
    } // keep the beginning; a long stream's events stay bounded
  }

  /** Records each ingest event once per kind (the first is the one that matters). */
  ingest(e: IngestEvent): void {
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
        this.add('first-rtp', `from ${e.address}:${e.port}, SSRC ${hex(e.ssrc)}, PT ${e.payloadType}`);
        return;
      case 'ssrc-mismatch':
        this.add(
          'ssrc-mismatch',
          `SSRC ${hex(e.got)} from ${e.address} differs from the ${hex(e.expected)} we offered`,
        );
        if (!this.#seen.has('ssrc')) {
          this.#seen.add('ssrc');
          this.cause ??= `SSRC ${hex(e.got)} differs from the ${hex(e.expected)} we offered: the device ignores y= (packets kept out of the stream)`;
        }
        return;
      case 'ssrc-switch':
        this.add('ssrc-switch', `${hex(e.from)} → ${hex(e.to)}`);
        return;
      case 'first-pack':
        this.add('first-ps-pack');
        return;
      case 'codec':
        this.add('codec-found', [e.video, e.audio].filter(Boolean).join(' + '));
        return;
      case 'first-keyframe':
        this.add('first-keyframe');
        this.ok = true;
        return;
    }
  }

  fail(cause: string): void {
    this.ok = false;
    this.cause = cause;
    this.add('failed', cause);
  }

  toJSON(): { streamId: string; ok: boolean; steps: DiagnosisStep[]; cause: string | null } {
    return { streamId: this.streamId, ok: this.ok, steps: this.steps, cause: this.cause };
  }
}
