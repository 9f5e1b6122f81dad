// The steps of one broadcast target, in time order, and the failure that ended it: what the API
// shows for a talk (GET /api/talks/:talkId) so an operator sees where a device stopped following
// the protocol (docs/voice.md §7).
import type { DiagnosisStep } from '../../../views/services.js';
import type { TalkFailure } from '../../../views/voice.js';

const MAX_STEPS = 50;

export class TalkDiagnosis {
  readonly steps: DiagnosisStep[] = [];
  failure: TalkFailure | null = null;
  error: string | null = null;

  add(step: string, detail?: string): void {
    if (this.steps.length < MAX_STEPS) {
      this.steps.push({ at: new Date().toISOString(), step, ...(detail === undefined ? {} : { detail }) });
    }
  }

  fail(failure: TalkFailure, error: string): void {
    if (this.failure !== null) {
      return;
    }
    this.failure = failure;
    this.error = error;
    this.add('failed', error);
  }
}
