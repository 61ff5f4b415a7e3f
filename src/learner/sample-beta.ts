import type { Rng } from "./create-rng.ts";
import { checkShape } from "./incomplete-beta.ts";

/** Rejection loops give up after this many tries (each accepts with probability above 0.95 with a fair rng). */
const MAX_TRIES = 1000;

/** A standard normal sample (Box–Muller, one of the pair). */
export function sampleNormal(rng: Rng): number {
  const u1 = 1 - rng();
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * A Gamma(shape, 1) sample by Marsaglia and Tsang's method; shape < 1 via Gamma(shape + 1)·U^(1/shape).
 * Throws when the rng yields no acceptable sample in 1000 tries (a broken rng), never loops forever.
 */
export function sampleGamma(shape: number, rng: Rng): number {
  if (!(shape > 0) || !Number.isFinite(shape)) throw new Error(`sampleGamma: shape must be a finite number > 0, got ${shape}`);
  if (shape < 1) {
    const u = 1 - rng();
    return sampleGamma(shape + 1, rng) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (let i = 0; i < MAX_TRIES; i++) {
    const x = sampleNormal(rng);
    const v0 = 1 + c * x;
    if (!(v0 > 0)) continue;
    const v = v0 * v0 * v0;
    const u = 1 - rng();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
  throw new Error(`sampleGamma: no sample accepted in ${MAX_TRIES} tries; is the rng returning numbers in [0, 1)?`);
}

/** A Beta(a, b) sample as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b), drawn in that order. */
export function sampleBeta(a: number, b: number, rng: Rng): number {
  checkShape(a, b, "sampleBeta");
  const x = sampleGamma(a, rng);
  const y = sampleGamma(b, rng);
  const sum = x + y;
  // Both can underflow to 0 for tiny shapes; the mean is the sensible answer then.
  return sum > 0 ? x / sum : a / (a + b);
}
