// RTP payloads → H.265 access units, RFC 7798 without DONL: single NAL unit (§4.4.1),
// AP (§4.4.2) and FU (§4.4.3). The marker bit ends the access unit (§4.1). Used by tests and
// by anything that receives H.265 over RTP; never throws on payload bytes.
import { H265PayloadType } from './rtp-packetizer.js';

export class H265Depacketizer {
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
  /** FU reassembly: the rebuilt 2-byte NAL header, then the fragments. */
  private fu: Uint8Array[] | undefined;
  private fuBytes = 0;
  private lastSequence: number | undefined;

  /**
   * One RTP payload. Returns the access units the marker bit completed, each as its NAL units.
   * With `sequence`, a hole in the numbering drops the FU in progress.
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

  /** End of stream: returns the access unit still open (no marker seen), drops a partial FU. */
  flush(): Uint8Array[][] {
    if (this.fu) {
      this.dropFu();
    }
    this.lastSequence = undefined;
    return this.completeUnit();
  }

  private payload(payload: Uint8Array): void {
    if (payload.length < 2) {
      this.stats.malformed++; // not even the 2-byte PayloadHdr (EOS and EOB NAL units are just that)
      return;
    }
    const type = (payload[0] >> 1) & 0x3f;
    if (type === H265PayloadType.FU) {
      this.fragment(payload);
      return;
    }
    if (this.fu) {
      this.dropFu();
    } // another packet came between fragments: the NAL lost its end
    if (type < H265PayloadType.AP) {
      this.add(payload);
    } else if (type === H265PayloadType.AP) {
      this.aggregate(payload);
    } else {
      this.stats.unsupported++;
    } // PACI (50) and the unspecified 51-63
  }

  /** AP: 16-bit size, NAL unit, repeated (§4.4.2, no DONL). A truncated tail is dropped. */
  private aggregate(payload: Uint8Array): void {
    let offset = 2;
    while (offset < payload.length) {
      if (offset + 2 > payload.length) {
        break;
      }
      const size = (payload[offset] << 8) | payload[offset + 1];
      offset += 2;
      if (size < 2 || offset + size > payload.length) {
        break;
      }
      this.add(payload.subarray(offset, offset + size));
      offset += size;
    }
    if (offset !== payload.length) {
      this.stats.malformed++;
    }
  }

  /** FU: S starts the NAL (header rebuilt from PayloadHdr F/LayerId/TID and FuType), E ends it. */
  private fragment(payload: Uint8Array): void {
    if (payload.length < 4) {
      this.stats.malformed++;
      return;
    }
    const fuHeader = payload[2];
    const start = (fuHeader & 0x80) !== 0;
    const end = (fuHeader & 0x40) !== 0;
    if (start) {
      if (this.fu) {
        this.dropFu();
      }
      const header = new Uint8Array([(payload[0] & 0x81) | ((fuHeader & 0x3f) << 1), payload[1]]);
      this.fu = [header];
      this.fuBytes = 2;
    } else if (!this.fu) {
      this.stats.droppedFragments++; // its start was lost
      return;
    }
    const piece = payload.subarray(3);
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
