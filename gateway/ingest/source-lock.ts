// Which UDP source (address:port) an ingest session takes RTP from. The SSRC alone is no key:
// a sender can copy the y= of our offer (it is in the SDP, and predictable), and under
// learn-first that SSRC may take a stream over (ssrc-guard.ts). So the first source that
// delivers accepted packets is locked in, and packets from other sources are counted and kept
// out. Two ways remain for another source to take over:
// - it sends from an address signaling named for the device (the c= of its SDP answer, its
//   registration's contact/received address). A NAT may hide those (the device's packets then
//   come from elsewhere), which is why "first accepted source wins" comes first and the
//   signaled addresses only decide who may take over later;
// - the locked source has not yet delivered one access unit (a stray datagram or junk that
//   got there first), and the newcomer sends the expected SSRC: learn-first's one switch.
// UDP only: a TCP connection already is the source, and a reconnect comes from a new port.

export interface MediaSource {
  readonly address: string;
  readonly port: number;
}

/**
 * How a packet's source relates to the lock: 'unlocked' (nothing locked yet), 'same' (the
 * locked source), 'trusted' (another source at an address signaling named), 'unproven'
 * (another source, while the locked one has delivered no media yet), 'other'.
 */
export type SourceMatch = 'unlocked' | 'same' | 'trusted' | 'unproven' | 'other';

/** Distinct rejected sources remembered for once-only reporting; floods stay bounded. */
const MAX_REPORTED = 64;

/** "::ffff:10.0.0.1" (a dual-stack socket's view of IPv4) and "10.0.0.1" are one address. */
export function normalizeAddress(address: string): string {
  const a = address.toLowerCase();
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

export class SourceLock {
  private current: MediaSource | undefined;
  /** The locked address as the socket reported it (before normalizeAddress). */
  private rawAddress = '';
  /** The locked source has delivered at least one access unit. */
  private proven = false;
  private readonly trustedAddresses = new Set<string>();
  private readonly reported = new Set<string>();
  /** Packets kept out because they came from a source other than the locked one. */
  mismatches = 0;
  /** Times the lock moved to a trusted address. */
  moves = 0;

  get locked(): MediaSource | undefined {
    return this.current;
  }

  get trusted(): readonly string[] {
    return [...this.trustedAddresses];
  }

  /** An address signaling named for the device (SDP answer c=, REGISTER contact or received). */
  trust(address: string): void {
    this.trustedAddresses.add(normalizeAddress(address));
  }

  match(address: string, port: number): SourceMatch {
    const cur = this.current;
    if (!cur) {
      return 'unlocked';
    }
    if (port === cur.port && address === this.rawAddress) {
      return 'same'; // every packet of a playing stream: no string work
    }
    const a = normalizeAddress(address);
    if (a === cur.address && port === cur.port) {
      return 'same';
    }
    if (this.trustedAddresses.has(a)) {
      return 'trusted';
    }
    return this.proven ? 'other' : 'unproven';
  }

  /** The locked source delivered media (an access unit): from now on only trust moves the lock. */
  confirm(): void {
    this.proven = this.current !== undefined;
  }

  /** Locks to this source (the first accepted packet), or moves the lock to it. */
  lock(address: string, port: number): void {
    const a = normalizeAddress(address);
    if (this.current && (this.current.address !== a || this.current.port !== port)) {
      this.moves++;
      this.proven = false;
    }
    this.current = { address: a, port };
    this.rawAddress = address;
  }

  /** Counts a rejected packet; true the first time this source is rejected (report it). */
  reject(address: string, port: number): boolean {
    this.mismatches++;
    const key = `${normalizeAddress(address)}|${port}`;
    if (this.reported.has(key) || this.reported.size >= MAX_REPORTED) {
      return false;
    }
    this.reported.add(key);
    return true;
  }
}
