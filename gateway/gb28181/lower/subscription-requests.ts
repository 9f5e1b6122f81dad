// What the catalog and the event notifier answer alike to a subscriber (RFC 6665 as GB/T 28181
// §9.7 and §9.11 use it): the Expires granted, and requests inside a subscription dialog.
import type { SipRequest } from '../../sip/message.js';
import type { ServerTransaction } from '../../sip/server-transaction.js';

/** Expires a SUBSCRIBE asks for, capped at `maxSec`; absent or unreadable asks for `maxSec`. */
export function grantedExpires(req: SipRequest, maxSec: number): number {
  const header = Number(req.headers.get('expires'));
  return Number.isInteger(header) && header >= 0 ? Math.min(header, maxSec) : maxSec;
}

/**
 * Answers a request inside a subscription dialog we hold. A SUBSCRIBE (refresh, or Expires: 0 to
 * end it) gets 200 with the Expires granted, which is returned; anything else is answered (BYE
 * 481: a subscription dialog has no session to end) and gives undefined.
 */
export function answerInSubscription(
  req: SipRequest,
  tx: ServerTransaction,
  maxSec: number,
): number | undefined {
  if (req.method !== 'SUBSCRIBE') {
    tx.respond(req.method === 'BYE' ? 481 : 200);
    return undefined;
  }
  const expiresSec = grantedExpires(req, maxSec);
  tx.respond(200, 'OK', { headers: [['Expires', String(expiresSec)]] });
  return expiresSec;
}
