/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/**
 * A small seedable PRNG (mulberry32): the same seed gives the same sequence on every machine. Pure apart from
 * its own closure state. Not for cryptography. The seed is taken as a 32-bit integer (`seed >>> 0`).
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new Error(`createRng: seed must be a finite number, got ${seed}`);
  let state = Math.trunc(seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
