// Transaction matching keys (RFC 3261 §17.1.3 for clients, §17.2.3 for servers).
import { BRANCH_MAGIC_COOKIE, getTopVia, parseCSeq, parseNameAddr } from './headers.js';
import type { SipMessage, SipRequest } from './message.js';

/**
 * §17.2.3: branch + sent-by + method, where ACK matches the INVITE it acknowledges. Requests
 * whose branch lacks the magic cookie (RFC 2543 peers) fall back to Call-ID, From tag, CSeq
 * number and the top Via. Undefined when the request has no usable Via or CSeq.
 */
export function serverTransactionKey(req: SipRequest): string | undefined {
  const via = getTopVia(req.headers);
  const cseq = parseCSeq(req.headers.get('cseq') ?? '');
  if (!via || !cseq) {
    return undefined;
  }
  const method = req.method === 'ACK' ? 'INVITE' : req.method;
  const branch = via.branch;
  if (branch?.startsWith(BRANCH_MAGIC_COOKIE)) {
    return `${branch}|${via.host.toLowerCase()}:${via.port ?? ''}|${method}`;
  }
  const fromTag = parseNameAddr(req.headers.get('from') ?? '')?.tag ?? '';
  return `legacy|${req.headers.get('call-id') ?? ''}|${fromTag}|${cseq.seq}|${method}|${via.host}:${via.port ?? ''}|${branch ?? ''}`;
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
