// RTP payloads → access units of NAL units, the scheme RFC 6184 (packetization-mode 1) and
// RFC 7798 (no DONL) share: single NAL unit packets, aggregation packets (STAP-A / AP) and
// fragmentation units (FU-A / FU). The marker bit ends the access unit (6184 §5.1, 7798 §4.1).
// Never throws on payload bytes: what cannot be used is counted in `stats` and dropped.
import {
  nalType,
  readNalHeader,
  withNalType,
  writeNalHeader,
  type NalHeaderProfile,
} from './nal-header-profile.js';
import { concatBytes } from '../bytes/concat.js';

const SIZE_FIELD = 2;
const FU_HEADER = 1;

export class NalDepacketizer {
  readonly stats = {
    packets: 0,
    accessUnits: 0,
    nals: 0,
    droppedFragments: 0,
    droppedNals: 0,
    malformed: 0,
    unsupported: 0,
  };
  private units: Uint8Array[] = [];
  /** Fragmentation unit reassembly: the rebuilt NAL header, then the fragments. */
  private fu: Uint8Array[] | undefined;
  private fuBytes = 0;
  private lastSequence: number | undefined;

  constructor(private readonly profile: NalHeaderProfile) {}

  /**
   * One RTP payload. Returns the access units the marker bit completed, each as its NAL units.
   * With `sequence`, a hole in the numbering drops the NAL unit being reassembled from
   * fragments, since a fragment of it may be the one missing; without it only a missing start
   * or end fragment is noticed.
   */
  push(payload: Uint8Array, marker: boolean, sequence?: number): Uint8Array[][] {
    this.stats.packets++;
    if (sequence !== undefined) {
      if (this.lastSequence !== undefined && ((this.lastSequence + 1) & 0xffff) !== (sequence & 0xffff)) {
        this.gap();
      }
      this.lastSequence = sequence & 0xffff;
    }
    this.payload(payload);
    if (!marker) {
      return [];
    }
    if (this.fu) {
      this.dropFu();
    } // the access unit ended before the last fragment came
    return this.completeUnit();
  }

  /** Packets were lost: drop the NAL unit being reassembled. */
  gap(): void {
    if (this.fu) {
      this.dropFu();
    }
  }

  /** End of stream: returns the access unit still open (no marker seen), drops a partial NAL unit. */
  flush(): Uint8Array[][] {
    if (this.fu) {
      this.dropFu();
    }
    this.lastSequence = undefined;
    return this.completeUnit();
  }

  private payload(payload: Uint8Array): void {
    const profile = this.profile;
    if (payload.length < profile.headerLength) {
      this.stats.malformed++; // not even a payload header
      return;
    }
    const type = nalType(profile, readNalHeader(profile, payload));
    if (type === profile.fragmentationType) {
      this.fragment(payload);
      return;
    }
    if (this.fu) {
      this.dropFu();
    } // another packet came between fragments: the NAL lost its end
    if (type >= profile.singleTypes.min && type <= profile.singleTypes.max) {
      this.add(payload);
    } else if (type === profile.aggregationType) {
      this.aggregate(payload);
    } else {
      this.stats.unsupported++;
    } // interleaved-mode structures (STAP-B, MTAP, FU-B), PACI, and reserved types
  }

  /** Aggregation packet: 16-bit size, NAL unit, repeated. A truncated tail is dropped. */
  private aggregate(payload: Uint8Array): void {
    const headerLength = this.profile.headerLength;
    let offset = headerLength;
    while (offset < payload.length) {
      if (offset + SIZE_FIELD > payload.length) {
        break;
      }
      const size = (payload[offset] << 8) | payload[offset + 1];
      offset += SIZE_FIELD;
      if (size < headerLength || offset + size > payload.length) {
        break;
      }
      this.add(payload.subarray(offset, offset + size));
      offset += size;
    }
    if (offset !== payload.length) {
      this.stats.malformed++;
    }
  }

  /**
   * Fragmentation unit: S starts the NAL unit, whose header is the payload header with the
   * type from the FU header; E ends it.
   */
  private fragment(payload: Uint8Array): void {
    const profile = this.profile;
    const overhead = profile.headerLength + FU_HEADER;
    if (payload.length < overhead + 1) {
      this.stats.malformed++;
      return;
    }
    const fuHeader = payload[profile.headerLength];
    const start = (fuHeader & 0x80) !== 0;
    const end = (fuHeader & 0x40) !== 0;
    if (start) {
      if (this.fu) {
        this.dropFu();
      }
      const header = new Uint8Array(profile.headerLength);
      writeNalHeader(
        profile,
        header,
        0,
        withNalType(profile, readNalHeader(profile, payload), fuHeader & profile.typeMask),
      );
      this.fu = [header];
      this.fuBytes = header.length;
    } else if (!this.fu) {
      this.stats.droppedFragments++; // its start was lost
      return;
    }
    const piece = payload.subarray(overhead);
    this.fu.push(piece);
    this.fuBytes += piece.length;
    if (end) {
      this.add(concatBytes(this.fu, this.fuBytes));
      this.fu = undefined;
    }
  }

  private add(nal: Uint8Array): void {
    this.stats.nals++;
    this.units.push(nal);
  }

  private dropFu(): void {
    this.stats.droppedNals++;
    this.stats.droppedFragments += this.fu!.length - 1;
    this.fu = undefined;
  }

  private completeUnit(): Uint8Array[][] {
    if (this.units.length === 0) {
      return [];
    }
    const au = this.units;
    this.units = [];
    this.stats.accessUnits++;
    return [au];
  }
}
