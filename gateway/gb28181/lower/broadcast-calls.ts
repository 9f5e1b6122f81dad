// The device side of voice broadcast for one lower-platform identity (docs/voice.md §2, §6): the
// upper's Broadcast notify is answered with a Response (OK when the target is ours and has a
// speaker), then, unless the vendor profile is a device that never does, the audio INVITE
// follows (broadcast-call.ts). Keeps the calls by Call-ID for the upper's in-dialog requests.
import { dialogIdOfRequest } from '../../sip/dialog.js';
import type { SipRequest } from '../../sip/message.js';
import type { ServerTransaction } from '../../sip/server-transaction.js';
import type { Logger } from '../../log.js';
import type { BroadcastNotify } from '../manscdp/event.js';
import { isMediaRefusal, type LowerBackend } from './backend.js';
import { BroadcastCall, type BroadcastCallInfo, type BroadcastEnd } from './broadcast-call.js';
import type { UpperLink } from './upper-link.js';

export interface BroadcastCallsOptions {
  link: UpperLink;
  backend: LowerBackend;
  mediaHost: () => string;
  mediaBindHost: string;
  log: Logger;
  ownsId(id: string): boolean;
  closing(): boolean;
  onNotify(info: { targetId: string; sourceId: string; result: 'OK' | 'ERROR' }): void;
  onStart(info: BroadcastCallInfo): void;
  onEnd(info: BroadcastCallInfo, reason: BroadcastEnd): void;
}

export class BroadcastCalls {
  readonly #o: BroadcastCallsOptions;
  readonly #calls = new Map<string, BroadcastCall>();

  constructor(opts: BroadcastCallsOptions) {
    this.#o = opts;
  }

  get infos(): BroadcastCallInfo[] {
    return [...this.#calls.values()].map((b) => b.info);
  }

  has(callId: string): boolean {
    return this.#calls.has(callId);
  }

  /** The call an in-dialog request from the upper belongs to (Call-ID and our tags). */
  callOf(req: SipRequest): BroadcastCall | undefined {
    const call = this.#calls.get(req.headers.get('call-id') ?? '');
    return call?.dialog && dialogIdOfRequest(req) === call.dialog.id ? call : undefined;
  }

  /** Routes an in-dialog request; false when it is not one of ours. */
  handleRequest(req: SipRequest, tx: ServerTransaction): boolean {
    const call = this.callOf(req);
    call?.handleRequest(req, tx);
    return call !== undefined;
  }

  /** The device hangs up (BYE) the broadcasts to `targetId`, or all of them. Returns how many. */
  hangUp(targetId?: string): number {
    const calls = [...this.#calls.values()].filter(
      (b) => targetId === undefined || b.info.targetId === targetId,
    );
    for (const call of calls) {
      call.close('bye-sent');
    }
    return calls.length;
  }

  async notify(notify: BroadcastNotify): Promise<void> {
    const { targetId, sourceId } = notify;
    const { backend, link, log } = this.#o;
    let speaker;
    try {
      speaker =
        this.#o.ownsId(targetId) && backend.openSpeaker && !this.#o.closing()
          ? await backend.openSpeaker(targetId, sourceId)
          : undefined;
    } catch (err) {
      log.warn({ err, targetId }, 'backend openSpeaker failed');
    }
    const accepted = speaker !== undefined && !isMediaRefusal(speaker) ? speaker : undefined;
    const result = accepted ? 'OK' : 'ERROR';
    await link
      .sendManscdp({ kind: 'BroadcastResponse', sn: notify.sn, deviceId: targetId, result })
      .catch((err: unknown) => log.debug({ err }, 'Broadcast Response not delivered'));
    this.#o.onNotify({ targetId, sourceId, result });
    if (!accepted) {
      return;
    }
    if (!link.profile.broadcast.invites) {
      log.info({ targetId, sourceId }, 'Broadcast answered OK; this profile never sends the INVITE');
      accepted.close('no-invite');
      return;
    }
    const call = await BroadcastCall.invite(
      {
        link,
        targetId,
        sourceId,
        speaker: accepted,
        mediaHost: this.#o.mediaHost(),
        mediaBindHost: this.#o.mediaBindHost,
        log,
        onEnd: (c, reason) => {
          if (this.#calls.get(c.callId) === c) {
            this.#calls.delete(c.callId);
            this.#o.onEnd(c.info, reason);
          }
        },
      },
      (c) => this.#calls.set(c.callId, c),
    );
    if (call) {
      this.#o.onStart(call.info);
    }
  }

  /** BYE every call. */
  closeAll(): void {
    for (const call of [...this.#calls.values()]) {
      call.close();
    }
  }
}
