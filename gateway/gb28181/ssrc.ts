// The GB/T 28181 SSRC (`y=` of the SDP; 2016 Annex F, 2022 Annex G; docs/gb28181.md §7.1):
// ten decimal digits
//
//   digit  1      0 = live, 1 = history (playback and download)
//   digits 2-6    digits 4-8 of the 10-digit SIP domain (3402000000 → 20000; wvp substring(3, 8))
//   digits 7-10   a stream number, unique among the active sessions of the domain
//
// The RTP header carries the decimal value as a 32-bit integer: 0200000001 → 200000001
// (0x0BEBC201). The stream number pool is shared by live and history, so the last four digits
// alone identify a session (docs/gb28181.md §7.4 shows 1200000002 after a live 0200000001).

export type SsrcKind = 'live' | 'history';

const SSRC_RE = /^\d{10}$/;
const SEQUENCE_MAX = 9999;

/** True for ten decimal digits whose value fits 32 bits. */
export function isGbSsrc(value: string): boolean {
  return SSRC_RE.test(value) && Number(value) <= 0xffffffff;
}

/** The RTP SSRC of a y= value ('0200000001' → 200000001); undefined unless 10 digits ≤ 2^32-1. */
export function ssrcToUint32(ssrc: string): number | undefined {
  return isGbSsrc(ssrc) ? Number(ssrc) : undefined;
}

/** The y= text of an RTP SSRC, zero-padded to ten digits (200000001 → '0200000001'). */
export function uint32ToSsrc(value: number): string {
  return String(value >>> 0).padStart(10, '0');
}

/** Whether a y= value denotes history (first digit 1) or live (0); undefined otherwise. */
export function ssrcKind(ssrc: string): SsrcKind | undefined {
  if (!SSRC_RE.test(ssrc)) {
    return undefined;
  }
  return ssrc[0] === '0' ? 'live' : ssrc[0] === '1' ? 'history' : undefined;
}

/**
 * Hands out y= values for one SIP domain. The sequence advances from the last value issued,
 * wraps from 9999 to 0001 and skips numbers still active; 0000 is never issued.
 */
export class SsrcAllocator {
  private readonly prefix: string;
  private readonly active = new Map<number, SsrcKind>();
  private last = 0;

  /**
   * @param realm the SIP domain ID; 10 digits normally, but 8-digit realms occur in the field
   * (docs/gb28181.md §1.3) and work as well since only digits 4-8 are used.
   */
  constructor(realm: string) {
    if (!/^\d{8,20}$/.test(realm)) {
      throw new RangeError(`SsrcAllocator: realm must be ≥ 8 digits, got "${realm}"`);
    }
    this.prefix = realm.slice(3, 8);
  }

  /** Digits 2-6 of every SSRC issued here. */
  get domainDigits(): string {
    return this.prefix;
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** A fresh y= value, or undefined when all 9999 stream numbers are in use. */
  allocate(kind: SsrcKind): string | undefined {
    if (this.active.size >= SEQUENCE_MAX) {
      return undefined;
    }
    let seq = this.last;
    do {
      seq = seq >= SEQUENCE_MAX ? 1 : seq + 1;
    } while (this.active.has(seq));
    this.active.set(seq, kind);
    this.last = seq;
    return `${kind === 'live' ? '0' : '1'}${this.prefix}${String(seq).padStart(4, '0')}`;
  }

  /** Frees the stream number of a value issued here; false if it was not active or not ours. */
  release(ssrc: string): boolean {
    const seq = this.sequenceOf(ssrc);
    return seq !== undefined && this.active.delete(seq);
  }

  isActive(ssrc: string): boolean {
    return this.sequenceOf(ssrc) !== undefined;
  }

  /** The stream number of an active value issued here (kind digit included in the match). */
  private sequenceOf(ssrc: string): number | undefined {
    const kind = ssrcKind(ssrc);
    if (kind === undefined || ssrc.slice(1, 6) !== this.prefix) {
      return undefined;
    }
    const seq = Number(ssrc.slice(6));
    return this.active.get(seq) === kind ? seq : undefined;
  }
}
