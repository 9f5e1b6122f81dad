// Dialog state (RFC 3261 §12) from an INVITE and its 2xx, for BYE/INFO/MESSAGE inside a call.
// The route set is ignored (GB28181 peers talk directly); in-dialog requests go to the address
// the peer was seen at, with the remote target (its Contact) as Request-URI (docs/gb28181.md §7.3).
import { headerPairs, SipHeaders, type HeaderInit } from './header-list.js';
import { parseCSeq, parseNameAddr, type NameAddr } from './headers.js';
import { createRequest, toBodyBytes, type SipRequest, type SipResponse } from './message.js';
import type { SipRemote } from './remote.js';
import { formatSipUri, parseSipUri } from './uri.js';

export interface Dialog {
  /** "Call-ID;local tag;remote tag" (§12: the dialog ID). */
  readonly id: string;
  /** 'uac': we sent the INVITE; 'uas': we answered it. */
  readonly role: 'uac' | 'uas';
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** Our side as a name-addr without tag ("<sip:…>"), written in From of our requests. */
  readonly localUri: string;
  /** Their side as a name-addr without tag, written in To of our requests. */
  readonly remoteUri: string;
  /**
   * Request-URI for our in-dialog requests: the peer's Contact URI (§12.1.1, §12.1.2), with the
   * host:port it was seen at (targetAtRemote).
   */
  remoteTarget: string;
  /** Last CSeq number we used; the next request uses one more (§12.2.1.1). */
  localCSeq: number;
  /** Highest CSeq number seen from the peer, undefined until it sends one (§12.2.2). */
  remoteCSeq: number | undefined;
  /** Where in-dialog requests are sent (and over which TCP connection). */
  remote: SipRemote;
}

/**
 * The Request-URI for requests to a peer behind NAT: its Contact URI with the host and port it was
 * actually seen at (docs/gb28181.md §7.3: keep the observed NAT IP:port, not the private host). A
 * non-SIP or unparsable Contact is returned unchanged.
 */
export function targetAtRemote(contactUri: string, remote: SipRemote): string {
  const uri = parseSipUri(contactUri);
  if (!uri) {
    return contactUri;
  }
  uri.host = remote.address;
  uri.port = remote.port;
  return formatSipUri(uri);
}

export function dialogId(callId: string, localTag: string, remoteTag: string): string {
  return `${callId};${localTag};${remoteTag}`;
}

/** §12.1.2: the dialog we, as caller, hold after a 2xx to our INVITE. Undefined without tags. */
export function dialogAsUac(
  invite: SipRequest,
  response: SipResponse,
  remote: SipRemote,
): Dialog | undefined {
  return dialogOf('uac', invite, response, remote);
}

/** §12.1.1: the dialog we, as callee, hold after sending a 2xx (whose To carries our tag). */
export function dialogAsUas(
  invite: SipRequest,
  response: SipResponse,
  remote: SipRemote,
): Dialog | undefined {
  return dialogOf('uas', invite, response, remote);
}

/**
 * Both sides read the same INVITE/2xx pair; they differ in which party is local (From for the
 * caller, To for the callee), whose Contact is the remote target, and which CSeq space the
 * INVITE's number belongs to.
 */
function dialogOf(
  role: Dialog['role'],
  invite: SipRequest,
  response: SipResponse,
  remote: SipRemote,
): Dialog | undefined {
  const from = parseNameAddr(invite.headers.get('from') ?? '');
  const to = parseNameAddr(response.headers.get('to') ?? '');
  const callId = invite.headers.get('call-id');
  const cseq = parseCSeq(invite.headers.get('cseq') ?? '');
  if (!from?.tag || !to?.tag || !callId || !cseq) {
    return undefined;
  }
  const uac = role === 'uac';
  const [local, peer] = uac ? [from, to] : [to, from];
  const [localTag, remoteTag] = uac ? [from.tag, to.tag] : [to.tag, from.tag];
  // The peer's Contact: in the 2xx it sent us, or in the INVITE it sent.
  const contact = parseNameAddr((uac ? response : invite).headers.values('contact')[0] ?? '');
  return {
    id: dialogId(callId, localTag, remoteTag),
    role,
    callId,
    localTag,
    remoteTag,
    localUri: withoutTag(local),
    remoteUri: withoutTag(peer),
    remoteTarget: contact ? targetAtRemote(contact.uri, remote) : uac ? invite.uri : from.uri,
    localCSeq: uac ? cseq.seq : 0,
    remoteCSeq: uac ? undefined : cseq.seq,
    remote,
  };
}

export interface InDialogOptions {
  body?: Uint8Array | string;
  contentType?: string;
  /** Extra headers (Contact, Subject, …). */
  headers?: HeaderInit;
}

/**
 * §12.2.1.1: a request inside the dialog (BYE, INFO, MESSAGE, re-INVITE). Increments localCSeq.
 * Carries no Via: SipUserAgent.request() writes one for the transport used. ACK and CANCEL are
 * not built here (sendAck / cancel on the user agent).
 */
export function createInDialogRequest(
  dialog: Dialog,
  method: string,
  opts: InDialogOptions = {},
): SipRequest {
  if (method === 'ACK' || method === 'CANCEL') {
    throw new TypeError(`${method} is not built by createInDialogRequest`);
  }
  dialog.localCSeq += 1;
  const headers = new SipHeaders();
  headers.append('From', `${dialog.localUri};tag=${dialog.localTag}`);
  headers.append('To', `${dialog.remoteUri};tag=${dialog.remoteTag}`);
  headers.append('Call-ID', dialog.callId);
  headers.append('CSeq', `${dialog.localCSeq} ${method}`);
  for (const [name, value] of headerPairs(opts.headers)) {
    headers.append(name, value);
  }
  headers.append('Max-Forwards', '70');
  const body = toBodyBytes(opts.body);
  if (body.length > 0 && opts.contentType) {
    headers.set('Content-Type', opts.contentType);
  }
  return createRequest(method, dialog.remoteTarget, headers, body);
}

/** The dialog ID an incoming request names, seen from our side: Call-ID, To tag (ours), From tag. */
export function dialogIdOfRequest(req: SipRequest): string | undefined {
  const callId = req.headers.get('call-id');
  const local = parseNameAddr(req.headers.get('to') ?? '')?.tag;
  const remote = parseNameAddr(req.headers.get('from') ?? '')?.tag;
  return callId && local && remote ? dialogId(callId, local, remote) : undefined;
}

/** Dialogs by ID, with matching of incoming in-dialog requests (§12.2.2). */
export class DialogTable {
  readonly #dialogs = new Map<string, Dialog>();

  get size(): number {
    return this.#dialogs.size;
  }

  add(dialog: Dialog): void {
    this.#dialogs.set(dialog.id, dialog);
  }

  get(id: string): Dialog | undefined {
    return this.#dialogs.get(id);
  }

  remove(dialog: Dialog | string): boolean {
    return this.#dialogs.delete(typeof dialog === 'string' ? dialog : dialog.id);
  }

  values(): IterableIterator<Dialog> {
    return this.#dialogs.values();
  }

  /**
   * The dialog an incoming request belongs to, by Call-ID and both tags. Updates remoteCSeq;
   * returns { dialog, outOfOrder: true } when the CSeq went backwards (answer 500, §12.2.2).
   */
  match(req: SipRequest): { dialog: Dialog; outOfOrder: boolean } | undefined {
    const id = dialogIdOfRequest(req);
    const dialog = id ? this.#dialogs.get(id) : undefined;
    if (!dialog) {
      return undefined;
    }
    if (req.method === 'ACK' || req.method === 'CANCEL') {
      return { dialog, outOfOrder: false };
    }
    const seq = parseCSeq(req.headers.get('cseq') ?? '')?.seq;
    if (seq === undefined) {
      return { dialog, outOfOrder: true };
    }
    if (dialog.remoteCSeq !== undefined && seq < dialog.remoteCSeq) {
      return { dialog, outOfOrder: true };
    }
    dialog.remoteCSeq = seq;
    return { dialog, outOfOrder: false };
  }
}

function withoutTag(addr: NameAddr): string {
  const copy = addr.clone();
  copy.tag = undefined;
  return copy.toString();
}
