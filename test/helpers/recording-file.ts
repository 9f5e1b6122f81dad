// A recording file as the recorder writes it (codecs/fmp4/file-writer.ts), made in-process
// without ffmpeg: H.264 whose slices are placeholders (nothing here decodes the video) and
// G.711 units of random sizes and codes, for tests of what is built over recordings.
import type { AccessUnit } from '../../codecs/types.js';
import { fromHex } from '../../codecs/bytes/hex.js';
import { Fmp4FileWriter } from '../../codecs/fmp4/file-writer.js';
import { seededRandom, randomInt } from './random.js';

const SPS = fromHex('67 4d 40 1f da 01 40 16 ec 04 40 00 00 03 00 40 00 00 0c 83 c6 0c a8');
const PPS = fromHex('68 ef 3c 80');
const IDR = fromHex('65 88 84 00 33 ff');
const P = fromHex('41 9a 02 04 40');
const START = 900_000; // the camera's first video DTS, 90 kHz
const FRAME = 3600; // 25 fps

export interface Recording {
  header: Uint8Array;
  fragments: Uint8Array[];
  /** Each kept G.711 sample by its 8 kHz time (the expected output's reference). */
  g711: Map<number, number>;
}

/**
 * 6 s of H.264 (a keyframe every 2 s) and G.711 units of random sizes (20-400 bytes) and random
 * codes, with a 1000-sample hole at 3 s (so the writer starts a second audio traf there).
 */
export function syntheticRecording(law: 'PCMA' | 'PCMU' | undefined, seed = 7): Recording {
  const rand = seededRandom(seed);
  const aus: AccessUnit[] = [];
  for (let i = 0; i < 150; i++) {
    const t = START + i * FRAME;
    const key = i % 50 === 0;
    aus.push({ codec: 'H264', pts: t, dts: t, keyframe: key, units: key ? [SPS, PPS, IDR] : [P] });
  }
  const sent = new Map<number, number>();
  if (law) {
    for (let time = 0; time < 6 * 8000;) {
      const bytes = Uint8Array.from({ length: randomInt(rand, 20, 400) }, () => randomInt(rand, 0, 255));
      aus.push({
        codec: law,
        pts: START + Math.round((time * 90_000) / 8000),
        dts: 0,
        keyframe: true,
        units: [bytes],
      });
      bytes.forEach((b, i) => sent.set(time + i, b));
      time += bytes.length;
      if (time >= 3 * 8000 && time - bytes.length < 3 * 8000) {
        time += 1000;
      }
    }
  }
  aus.sort((a, b) => a.pts - b.pts);
  const writer = new Fmp4FileWriter(law ? { audio: law } : {});
  const chunks = [...aus.flatMap((au) => writer.push(au)), ...writer.flush()];
  return { header: chunks[0], fragments: chunks.slice(1), g711: sent };
}
