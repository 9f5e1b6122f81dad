// Deterministic pseudo-randomness for the simulator: the same channel ID and day always give the
// same recordings, so a test or a benchmark run can be reproduced from its inputs alone. The PRNG
// is the fault injector's seeded xorshift32.
export { seededRandom } from '../gateway/outbound/fault-injector.js';

/** FNV-1a 32-bit hash of a string: a stable seed from IDs and dates. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Integer in [min, maxInclusive] from a PRNG. */
export function randomInt(rand: () => number, min: number, maxInclusive: number): number {
  return min + Math.floor(rand() * (maxInclusive - min + 1));
}
