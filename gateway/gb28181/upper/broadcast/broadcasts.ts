// Routes the device side of voice broadcasts to their targets (docs/voice.md §2): the Broadcast
// Responses (by device and SN, else by device and TargetID: devices vary in what they echo), the
// audio INVITEs (to our talk source ID or to the gateway's own ID, from the device's registered
// address, naming the device or the channel in From), the ACKs and the BYEs of those dialogs.
// Anything else gets a clear refusal and one throttled log line.
import type { Logger } from '../../../log.js';
import { LogThrottle } from '../../../log-throttle.js';
import {
  dialogIdOfRequest,
  formatRemote,
  parseNameAddr,
  parseSipUri,
  type ServerTransaction,
  type SipRequest,
} from '../../../sip/index.js';
import type { BroadcastResponse } from '../../manscdp/event.js';
import type { DeviceSession, DeviceSessions } from '../device-sessions.js';
import type { BroadcastTarget } from './broadcast-target.js';

export class Broadcasts {
  readonly #targets = new Set<BroadcastTarget>();
  readonly #sessions: DeviceSessions;
  readonly #gatewayId: string;
  readonly #log: Logger;
  readonly #refusals: LogThrottle;
  readonly stats = { invitesAccepted: 0, invitesRefused: 0, responses: 0, unmatchedResponses: 0 };

  constructor(opts: { sessions: DeviceSessions; gatewayId: string; log: Logger }) {
    this.#sessions = opts.sessions;
    this.#gatewayId = opts.gatewayId;
    this.#log = opts.log;
    this.#refusals = new LogThrottle(opts.log, { linesPerWindow: 20 });
  }

  get size(): number {
    return this.#targets.size;
  }

  add(target: BroadcastTarget): void {
    this.#targets.add(target);
  }

  remove(target: BroadcastTarget): void {
    this.#targets.delete(target);
  }

  /** A device's `<Response>` Broadcast; false when no target of that device waits for it. */
  deliverResponse(m: BroadcastResponse, session: DeviceSession): boolean {
    const mine = [...this.#targets].filter((t) => t.deviceId === session.deviceId && t.expectsInvite);
    const target = mine.find((t) => t.sn === m.sn) ?? mine.find((t) => t.channelId === m.deviceId);
    if (!target) {
      this.stats.unmatchedResponses++;
      this.#log.debug(
        { deviceId: session.deviceId, sn: m.sn },
        'Broadcast Response for no pending broadcast',
      );
      return false;
    }
    this.stats.responses++;
    target.deliverResponse(m);
    return true;
  }

  /**
   * A device's INVITE. Ours when it comes from the registered address of a device with a target
   * waiting for it, addressed to that target's SourceID or to the gateway's own ID; otherwise
   * 403 (no broadcast expected: the same answer wvp gives) or 404 (not addressed to us).
   */
  handleInvite(req: SipRequest, tx: ServerTransaction): void {
    const addressedTo = parseSipUri(req.uri)?.user ?? '';
    const fromUser = parseSipUri(parseNameAddr(req.headers.get('from') ?? '')?.uri ?? '')?.user ?? '';
    const waiting = [...this.#targets].filter(
      (t) => t.expectsInvite && this.#sessions.boundSession(t.deviceId, tx.remote) !== undefined,
    );
    const addressed = waiting.filter((t) => addressedTo === t.sourceId || addressedTo === this.#gatewayId);
    // The most specific match first: the SourceID we sent, then who the From names.
    const named = (t: BroadcastTarget) => fromUser === t.channelId || fromUser === t.deviceId;
    const target =
      addressed.find((t) => addressedTo === t.sourceId && named(t)) ??
      addressed.find((t) => fromUser === t.channelId) ??
      addressed.find((t) => addressedTo === t.sourceId) ??
      addressed.find(named) ??
      (new Set(addressed.map((t) => t.deviceId)).size === 1 ? addressed[0] : undefined);
    if (!target) {
      this.stats.invitesRefused++;
      const status = waiting.length > 0 && addressed.length === 0 ? 404 : 403;
      tx.respond(status);
      this.#refusals.info(
        'invite',
        { from: fromUser, to: addressedTo, remote: formatRemote(tx.remote), status, waiting: waiting.length },
        'INVITE refused: no voice broadcast waits for it',
      );
      return;
    }
    this.stats.invitesAccepted++;
    target.acceptInvite(req, tx, addressedTo).catch((err: unknown) => {
      this.#log.error({ err, deviceId: target.deviceId }, 'broadcast INVITE handling failed');
      if (!tx.finalSent) {
        tx.respond(500);
      }
    });
  }

  /** BYE in one of our broadcast dialogs: 200 and the target ends; false when not ours. */
  handleBye(req: SipRequest, tx: ServerTransaction): boolean {
    const target = this.#byDialog(req);
    if (!target) {
      return false;
    }
    tx.respond(200);
    target.byeReceived();
    return true;
  }

  /** The ACK for our 200; false when not ours. */
  handleAck(ack: SipRequest): boolean {
    const target = this.#byDialog(ack);
    target?.acked();
    return target !== undefined;
  }

  /** The device went offline or restarted: its broadcasts are over. */
  closeDevice(deviceId: string, reason: string): void {
    for (const t of [...this.#targets]) {
      if (t.deviceId === deviceId) {
        t.stop(reason);
      }
    }
  }

  #byDialog(req: SipRequest): BroadcastTarget | undefined {
    const id = dialogIdOfRequest(req);
    return id === undefined ? undefined : [...this.#targets].find((t) => t.dialogId === id);
  }
}
