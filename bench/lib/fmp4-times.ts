// Reads decode times out of a movie fragment (ISO/IEC 14496-12 §8.8): per traf, the track_ID
// (tfhd §8.8.7), baseMediaDecodeTime (tfdt §8.8.12) and the sample durations (trun §8.8.8, or
// tfhd's default_sample_duration). Enough for the latency suite to know which frames an LL-HLS
// part holds; never throws on short or odd input (returns what it could read).
//
//   box:  size(32) type(32) [largesize(64) when size == 1] payload
//   full box payload: version(8) flags(24) ...

export interface TrackRunTimes {
  trackId: number;
  baseDts: number;
  /** Decode time of every sample, in the track's timescale. */
  dts: number[];
}

interface Box {
  type: string;
  start: number;
  end: number;
}

function* boxes(b: Uint8Array, from: number, to: number): Generator<Box> {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = from;
  while (at + 8 <= to) {
    let size = v.getUint32(at);
    const type = String.fromCharCode(b[at + 4], b[at + 5], b[at + 6], b[at + 7]);
    let header = 8;
    if (size === 1 && at + 16 <= to) {
      size = Number(v.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < header || at + size > to) {
      return;
    }
    yield { type, start: at + header, end: at + size };
    at += size;
  }
}

function readTraf(b: Uint8Array, box: Box): TrackRunTimes | undefined {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let trackId = -1;
  let defaultDuration = 0;
  let baseDts = 0;
  const durations: number[] = [];
  for (const child of boxes(b, box.start, box.end)) {
    const version = b[child.start];
    const flags = v.getUint32(child.start) & 0xffffff;
    let at = child.start + 4;
    if (child.type === 'tfhd') {
      trackId = v.getUint32(at);
      at += 4;
      if (flags & 0x01) {
        at += 8; // base_data_offset
      }
      if (flags & 0x02) {
        at += 4; // sample_description_index
      }
      if (flags & 0x08 && at + 4 <= child.end) {
        defaultDuration = v.getUint32(at);
      }
    } else if (child.type === 'tfdt') {
      baseDts = version === 1 ? Number(v.getBigUint64(at)) : v.getUint32(at);
    } else if (child.type === 'trun') {
      const count = v.getUint32(at);
      at += 4;
      if (flags & 0x01) {
        at += 4; // data_offset
      }
      if (flags & 0x04) {
        at += 4; // first_sample_flags
      }
      const perSample = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length * 4;
      for (let i = 0; i < count && at + perSample <= child.end; i++) {
        durations.push(flags & 0x100 ? v.getUint32(at) : defaultDuration);
        at += perSample;
      }
    }
  }
  if (trackId < 0) {
    return undefined;
  }
  const dts: number[] = [];
  let t = baseDts;
  for (const d of durations) {
    dts.push(t);
    t += d;
  }
  return { trackId, baseDts, dts };
}

/** Every traf of every moof in `bytes` (an LL-HLS part or a segment). */
export function fragmentTimes(bytes: Uint8Array): TrackRunTimes[] {
  const out: TrackRunTimes[] = [];
  for (const top of boxes(bytes, 0, bytes.length)) {
    if (top.type !== 'moof') {
      continue;
    }
    for (const child of boxes(bytes, top.start, top.end)) {
      if (child.type === 'traf') {
        const t = readTraf(bytes, child);
        if (t) {
          out.push(t);
        }
      }
    }
  }
  return out;
}
