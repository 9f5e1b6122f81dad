// Transaction matching keys (RFC 3261 §17.1.3 for clients, §17.2.3 for servers).
import { BRANCH_MAGIC_COOKIE, getTopVia, parseCSeq, parseNameAddr } from './headers.js';
import type { SipMessage, SipRequest } from './message.js';

/**
 * §17.2.3: branch + sent-by + method, where ACK matches the INVITE it acknowledges and CANCEL
 * (same branch as its INVITE) is a transaction of its own. Requests whose branch lacks the magic
 * cookie (RFC 2543 peers) match on the branch-less fields alone.
 *
 * The RFC 2543 fields (Call-ID, From tag, CSeq number and method) are part of every key, not only
 * the fallback: a retransmission repeats them byte for byte, so a request that changes any of
 * them is a new request whatever its branch. Field bug: some lower platforms send every
 * keepalive MESSAGE (new Call-ID, CSeq and From tag) with one fixed branch; matched on the
 * branch alone, the second keepalive was taken for a retransmission of the first and got the
 * first one's cached 200, so the device never saw its keepalives answered and went offline.
 *
 * The To tag is left out: the ACK for a non-2xx carries our tag, its INVITE had none (§17.1.1.3).
 * Undefined when the request has no usable Via or CSeq.
 */
export function serverTransactionKey(req: SipRequest): string | undefined {
  const via = getTopVia(req.headers);
  const cseq = parseCSeq(req.headers.get('cseq') ?? '');
  if (!via || !cseq) {
    return undefined;
  }
  const method = req.method === 'ACK' ? 'INVITE' : req.method;
  const fromTag = parseNameAddr(req.headers.get('from') ?? '')?.tag ?? '';
  // The CSeq method is the request's own (message.ts refuses a mismatch), so `method` stands for it.
  const dialogFields = `${req.headers.get('call-id') ?? ''}|${fromTag}|${cseq.seq}`;
  const branch = via.branch;
  if (branch?.startsWith(BRANCH_MAGIC_COOKIE)) {
    return `${branch}|${via.host.toLowerCase()}:${via.port ?? ''}|${method}|${dialogFields}`;
  }
  return `legacy|${dialogFields}|${method}|${via.host}:${via.port ?? ''}|${branch ?? ''}`;
}

/** §17.1.3: the top Via branch plus the CSeq method of a request we sent or a response to it. */
export function clientTransactionKey(m: SipMessage): string | undefined {
  const branch = getTopVia(m.headers)?.branch;
  const cseq = parseCSeq(m.headers.get('cseq') ?? '');
  if (!branch || !cseq) {
    return undefined;
  }
  return `${branch}|${cseq.method}`;
}
