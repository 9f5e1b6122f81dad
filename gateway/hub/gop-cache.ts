// The hub's GOP cache (ZLMediaKit's idea for instant start): every access unit since the last
// video keyframe, audio included, so a new viewer can start decoding at once. Bounded in
// bytes and count; an over-long GOP empties the cache until the next keyframe.
import { isVideoCodec, type AccessUnit } from '../../codecs/types.js';

export interface GopCacheLimits {
  /** Default 16 MiB. */
  maxBytes: number;
  /** Default 1500 (a 60 s GOP at 25 fps with audio). */
  maxAccessUnits: number;
}

export class GopCache {
  private units: AccessUnit[] = [];
  private bytes = 0;
  /** True while the cache starts with a keyframe (or, for audio-only streams, holds audio). */
  private valid = false;
  overflows = 0;

  constructor(private readonly limits: GopCacheLimits) {}

  /** @param hasVideo whether the stream carries video; audio-only streams cache nothing. */
  add(au: AccessUnit, hasVideo: boolean): void {
    const video = isVideoCodec(au.codec);
    if (video && au.keyframe) {
      this.units = [];
      this.bytes = 0;
      this.valid = true;
    } else if (!this.valid || !hasVideo) {
      return;
    }
    let size = 0;
    for (const unit of au.units) {
      size += unit.length;
    }
    if (this.units.length >= this.limits.maxAccessUnits || this.bytes + size > this.limits.maxBytes) {
      this.clear();
      this.overflows++;
      return;
    }
    this.units.push(au);
    this.bytes += size;
  }

  /** The cached GOP, keyframe first; empty when no complete GOP start is held. */
  snapshot(): readonly AccessUnit[] {
    return this.valid ? this.units : [];
  }

  get hasKeyframe(): boolean {
    return this.valid && this.units.length > 0;
  }

  get size(): { accessUnits: number; bytes: number } {
    return { accessUnits: this.units.length, bytes: this.bytes };
  }

  clear(): void {
    this.units = [];
    this.bytes = 0;
    this.valid = false;
  }
}
