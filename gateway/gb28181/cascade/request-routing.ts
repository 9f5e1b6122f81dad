// Which of our upper-platform links an incoming request belongs to. The cascade shares the
// gateway's SIP socket with its upper role, where devices send REGISTER, keepalives and answers
// addressed to our own ID; the ID we present upward is often that same ID (as in wvp), so the
// Request-URI cannot tell the roles apart. The sender can: requests of the cascade come from a
// configured upper platform, whose SIP ID is in From (docs/gb28181.md §0 "Who sends what"). When
// several links point at one upper, the Request-URI or To user (our presented ID or a shared
// channel) picks among them. A link configured with an IP address also wants the request to come
// from that address (docs/gb28181.md §1.5: requests travel between the two registered sockets), so a
// forged From alone cannot drive PTZ or send our media elsewhere; a host name is not checked.
// Pure.
import { isIP } from 'node:net';
import { parseNameAddr } from '../../sip/headers.js';
import type { SipRequest } from '../../sip/message.js';
import { parseSipUri } from '../../sip/uri.js';

export interface RoutableLink {
  readonly upperId: string;
  /** The configured address of the upper (an IP, or a host name). */
  readonly upperHost: string;
  ownsId(id: string): boolean;
  /**
   * Whether the Call-ID is one of the link's dialogs. A voice broadcast dialog is one the link
   * started toward the upper's talk source ID (docs/voice.md §8), so the upper's BYE in it
   * carries that ID in From, not the upper's own.
   */
  ownsDialog?(callId: string): boolean;
}

/**
 * `sourceAddress`: where the request came from (the UDP source or TCP peer); `::ffff:`-mapped
 * IPv4 compares equal to plain IPv4.
 */
export function linkFor<L extends RoutableLink>(
  req: SipRequest,
  links: Iterable<L>,
  sourceAddress: string,
): L | undefined {
  if (req.method === 'REGISTER') {
    return undefined; // only ever sent to our upper role
  }
  const all = [...links]; // an iterator (Map.values()) can be read once
  const source = unmapped(sourceAddress);
  const fromUpper = (l: L) => isIP(l.upperHost) === 0 || unmapped(l.upperHost) === source;
  const callId = req.headers.get('call-id');
  const inDialog = callId === undefined ? undefined : all.find((l) => l.ownsDialog?.(callId) && fromUpper(l));
  if (inDialog) {
    return inDialog;
  }
  const from = userOfNameAddr(req.headers.get('from'));
  if (from === undefined) {
    return undefined;
  }
  const candidates = all.filter((l) => l.upperId === from && fromUpper(l));
  if (candidates.length <= 1) {
    return candidates[0];
  }
  const targets = [parseSipUri(req.uri)?.user, userOfNameAddr(req.headers.get('to'))].filter(
    (t) => t !== undefined,
  );
  return candidates.find((l) => targets.some((t) => l.ownsId(t))) ?? candidates[0];
}

/** The user part of a From/To header value. */
function userOfNameAddr(text: string | undefined): string | undefined {
  const uri = text === undefined ? undefined : parseNameAddr(text)?.uri;
  return uri === undefined ? undefined : parseSipUri(uri)?.user;
}

function unmapped(address: string): string {
  return address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}
