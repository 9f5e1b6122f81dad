// The steps of one broadcast target, in time order, and the failure that ended it: what the API
// shows for a talk (GET /api/talks/:talkId) so an operator sees where a device stopped following
// the protocol (docs/voice.md §7).
import type { DiagnosisStep } from '../../../views/services.js';
import type { TalkFailure } from '../../../views/voice.js';
import { isGbSsrc } from '../../ssrc.js';

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

/**
 * Why a device that was sent a Broadcast never INVITEd (docs/voice.md §2 "No INVITE"): what it
 * did, how long we waited, which Request-URI users we took, and the usual causes on the device.
 */
export function noInviteCause(o: {
  deviceId: string;
  /** It answered the notify with Result OK. */
  answered: boolean;
  waitedMs: number;
  addressedTo: readonly string[];
}): string {
  const did = o.answered ? 'answered the Broadcast with OK but' : 'sent no Broadcast Response and';
  return (
    `device ${o.deviceId} ${did} sent no audio INVITE within ${Math.round(o.waitedMs / 100) / 10} s ` +
    `(we accept it addressed to ${o.addressedTo.join(' or to ')}). Usual causes: the device audio codec ` +
    'is not G.711A; its voice broadcast or "TCP broadcast" option is off; it cannot reach our SIP ' +
    'address; or it talks only to the platform it has in its own settings.'
  );
}

/** A y= for a device that sent none: '0' and nine random digits (written back in our answer). */
export function randomSsrc(): string {
  for (;;) {
    const s = `0${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
    if (isGbSsrc(s)) {
      return s;
    }
  }
}
