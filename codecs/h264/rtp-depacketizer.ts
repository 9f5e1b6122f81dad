// RTP payloads → H.264 access units, RFC 6184 packetization-mode 1: single NAL unit (§5.6),
// STAP-A (§5.7.1) and FU-A (§5.8). The marker bit ends the access unit (§5.1). Used by tests
// and by anything that receives H.264 over RTP; never throws on payload bytes.
import { H264PayloadType } from './rtp-packetizer.js';

export class H264Depacketizer {
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
  /** FU-A reassembly: the rebuilt NAL header byte, then the fragments. */
  private fu: Uint8Array[] | undefined;
  private fuBytes = 0;
  private lastSequence: number | undefined;

  /**
   * One RTP payload. Returns the access units the marker bit completed, each as its NAL units.
   * With `sequence`, a hole in the numbering drops the FU-A in progress, since a fragment of it
   * may be the one missing; without it only a missing start or end fragment is noticed.
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

  /** End of stream: returns the access unit still open (no marker seen), drops a partial FU-A. */
  flush(): Uint8Array[][] {
    if (this.fu) {
      this.dropFu();
    }
    this.lastSequence = undefined;
    return this.completeUnit();
  }

  private payload(payload: Uint8Array): void {
    if (payload.length === 0) {
      this.stats.malformed++;
      return;
    }
    const type = payload[0] & 0x1f;
    if (type === H264PayloadType.FU_A) {
      this.fragment(payload);
      return;
    }
    if (this.fu) {
      this.dropFu();
    } // another packet came between fragments: the NAL lost its end
    if (type >= 1 && type <= 23) {
      this.add(payload);
    } else if (type === H264PayloadType.STAP_A) {
      this.aggregate(payload);
    } else {
      this.stats.unsupported++;
    } // STAP-B, MTAP, FU-B (interleaved mode 2) and types 0, 30, 31
  }

  /** STAP-A: 16-bit size, NAL unit, repeated (§5.7.1). A truncated tail is dropped. */
  private aggregate(payload: Uint8Array): void {
    let offset = 1;
    while (offset < payload.length) {
      if (offset + 2 > payload.length) {
        break;
      }
      const size = (payload[offset] << 8) | payload[offset + 1];
      offset += 2;
      if (size === 0 || offset + size > payload.length) {
        break;
      }
      this.add(payload.subarray(offset, offset + size));
      offset += size;
    }
    if (offset !== payload.length) {
      this.stats.malformed++;
    }
  }

  /** FU-A: S starts the NAL (header rebuilt from indicator F|NRI and FU header type), E ends it. */
  private fragment(payload: Uint8Array): void {
    if (payload.length < 3) {
      this.stats.malformed++;
      return;
    }
    const fuHeader = payload[1];
    const start = (fuHeader & 0x80) !== 0;
    const end = (fuHeader & 0x40) !== 0;
    if (start) {
      if (this.fu) {
        this.dropFu();
      }
      const header = new Uint8Array([(payload[0] & 0xe0) | (fuHeader & 0x1f)]);
      this.fu = [header];
      this.fuBytes = 1;
    } else if (!this.fu) {
      this.stats.droppedFragments++; // its start was lost
      return;
    }
    const piece = payload.subarray(2);
    this.fu.push(piece);
    this.fuBytes += piece.length;
    if (end) {
      this.add(concat(this.fu, this.fuBytes));
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

/** Joins the FU fragments into one NAL unit. */
function concat(pieces: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of pieces) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
