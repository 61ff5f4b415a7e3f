import { checkShape, regularizedIncompleteBeta } from "./incomplete-beta.ts";

/**
 * The p-quantile of Beta(a, b): the x with I_x(a, b) = p. Pure.
 * Bisection on the regularized incomplete beta function until the bracket is narrower than 1e-12 (or stops
 * shrinking in floating point), so the result is within 1e-9 of the true quantile. Throws on p outside [0, 1] or
 * shapes not finite and > 0.
 */
export function betaQuantile(p: number, a: number, b: number): number {
  checkShape(a, b, "betaQuantile");
  if (!(p >= 0 && p <= 1)) throw new Error(`betaQuantile: p must be between 0 and 1, got ${p}`);
  if (p === 0) return 0;
  if (p === 1) return 1;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (mid <= lo || mid >= hi) break;
    if (regularizedIncompleteBeta(mid, a, b) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
