// Routes requests arriving on one SipUserAgent to the lower-platform identities sharing it, so a
// simulator fleet of many devices can run on one socket (UDP: responses to our requests match
// their client transactions by Via branch; new requests are routed here by the user part of
// the Request-URI: our device ID, one of our channel IDs, or the device ID in our Contact for
// in-dialog requests; then by the To user). Unknown targets get 404.
import type { SipRequest } from '../../sip/message.js';
import type { ServerTransaction } from '../../sip/server-transaction.js';
import type { SipUserAgent } from '../../sip/user-agent.js';

/** What the router needs from an identity (LowerPlatform implements it). */
export interface RoutedIdentity {
  readonly localId: string;
  ownsId(id: string): boolean;
  handleRequest(req: SipRequest, tx: ServerTransaction): void;
  handleAck(ack: SipRequest): void;
}

export class LowerSipRouter {
  readonly #byId = new Map<string, RoutedIdentity>();
  readonly #all = new Set<RoutedIdentity>();
  readonly stats = { routed: 0, unrouted: 0 };

  /** Takes over the user agent's request and ACK handlers. */
  constructor(readonly ua: SipUserAgent) {
    ua.onRequest((req, tx) => {
      const target = this.#find(req);
      if (!target) {
        this.stats.unrouted++;
        tx.respond(404);
        return;
      }
      this.stats.routed++;
      target.handleRequest(req, tx);
    });
    ua.onAck((ack) => this.#find(ack)?.handleAck(ack));
  }

  get size(): number {
    return this.#all.size;
  }

  /** Returns a function that removes the identity again. */
  add(identity: RoutedIdentity): () => void {
    this.#all.add(identity);
    this.#byId.set(identity.localId, identity);
    return () => this.remove(identity);
  }

  remove(identity: RoutedIdentity): void {
    this.#all.delete(identity);
    for (const [id, owner] of this.#byId) {
      if (owner === identity) {
        this.#byId.delete(id);
      }
    }
  }

  #find(req: SipRequest): RoutedIdentity | undefined {
    for (const id of [userOf(req.uri), userOf(req.headers.get('to') ?? '')]) {
      if (!id) {
        continue;
      }
      const known = this.#byId.get(id);
      if (known) {
        return known;
      }
      // A channel ID seen for the first time: ask each identity once, then remember the owner.
      for (const identity of this.#all) {
        if (identity.ownsId(id)) {
          this.#byId.set(id, identity);
          return identity;
        }
      }
    }
    return undefined;
  }
}

/** The user part of the first SIP URI in a Request-URI or name-addr value. */
function userOf(text: string): string | undefined {
  return /sips?:([^@;>:\s]+)@/i.exec(text)?.[1];
}
