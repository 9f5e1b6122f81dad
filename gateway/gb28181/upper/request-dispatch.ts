// Where a request to the upper platform goes: SIP requests by method (REGISTER to the registrar,
// NOTIFY and MESSAGE through the MANSCDP inbox, BYE and INVITE to plays and voice broadcasts), and
// the MANSCDP messages the inbox accepts by CmdType (answers to our queries, alarms, positions,
// broadcast responses).
import type { Logger } from '../../log.js';
import type { ServerTransaction, SipRequest } from '../../sip/index.js';
import type { ManscdpMessage } from '../manscdp/codec.js';
import type { Broadcasts } from './broadcast/broadcasts.js';
import type { DeviceQueries } from './device-queries.js';
import type { DeviceSession, DeviceSessions } from './device-sessions.js';
import { Inbox, type InboxAnswer } from './inbox.js';
import type { Plays } from './plays.js';
import type { Registrar } from './registrar.js';
import type { UpperEvents } from './upper-events.js';

export interface UpperRequestDispatchDeps {
  sessions: DeviceSessions;
  registrar: Registrar;
  devices: DeviceQueries;
  events: UpperEvents;
  plays: Plays;
  broadcasts: Broadcasts;
  /** Voice is configured: a device's INVITE (broadcast audio) is taken, else refused with 488. */
  voice: boolean;
  log: Logger;
}

export class UpperRequestDispatch {
  readonly #d: UpperRequestDispatchDeps;
  readonly #inbox: Inbox;

  constructor(deps: UpperRequestDispatchDeps) {
    this.#d = deps;
    this.#inbox = new Inbox(
      deps.sessions,
      {
        onMessage: (m, session, _req, answer) => this.#onManscdp(m, session, answer),
        storesBeforeAnswer: (m) => deps.events.storesBeforeAnswer(m),
        afterPending: (answer) => deps.events.afterPending(answer),
        isDialog: (callId) => deps.plays.hasDialog(callId),
        onDialogMessage: (callId, m) => deps.plays.handleDialogMessage(callId, m),
      },
      deps.log.child({ part: 'inbox' }),
    );
  }

  get inboxStats(): Inbox['stats'] {
    return this.#inbox.stats;
  }

  /** The user agent's request handler. */
  handle(req: SipRequest, tx: ServerTransaction): void {
    const d = this.#d;
    switch (req.method) {
      case 'REGISTER':
        return d.registrar.handle(req, tx);
      case 'NOTIFY': {
        // Our subscription's state first; the inbox answers 200 and applies the body as for a
        // MESSAGE (catalog changes, alarms, positions). A NOTIFY without a body (RFC 6665's
        // immediate one, or a terminated one) has nothing to apply.
        const sub = d.events.noteNotify(req);
        if (sub && req.body.length === 0) {
          tx.respond(200);
          return;
        }
        return this.#inbox.handle(req, tx);
      }
      case 'MESSAGE':
        return this.#inbox.handle(req, tx);
      case 'BYE':
        if (d.broadcasts.handleBye(req, tx)) {
          return;
        }
        return d.plays.handleBye(req, tx);
      case 'INVITE':
        // Devices INVITE us only for voice broadcast audio (docs/gb28181.md §0, §9).
        if (d.voice) {
          return d.broadcasts.handleInvite(req, tx);
        }
        tx.respond(488);
        return;
      case 'OPTIONS':
        tx.respond(200);
        return;
      case 'INFO':
        tx.respond(200);
        return;
      default:
        tx.respond(req.method === 'SUBSCRIBE' ? 488 : 405);
    }
  }

  /** An ACK (for a 200 we sent to a device's broadcast INVITE). */
  ack(ack: SipRequest): void {
    this.#d.broadcasts.handleAck(ack);
  }

  #onManscdp(m: ManscdpMessage, session: DeviceSession, answer: InboxAnswer): void {
    const d = this.#d;
    if (d.devices.deliver(m, session)) {
      answer();
      return;
    }
    switch (m.kind) {
      case 'Keepalive':
      case 'MediaStatus':
        return;
      case 'AlarmNotify':
        d.events.alarm(m, session, answer);
        return;
      case 'MobilePositionNotify':
        d.events.position(m, session, answer);
        return;
      case 'BroadcastResponse':
        d.broadcasts.deliverResponse(m, session);
        return;
      default:
        d.log.debug({ deviceId: session.deviceId, kind: m.kind }, 'MANSCDP message not handled');
    }
  }
}
