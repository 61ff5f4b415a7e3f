import { describe, expect, it } from "vitest";
import { betaQuantile } from "../../../src/learner/beta-quantile.ts";
import { logGamma, regularizedIncompleteBeta } from "../../../src/learner/incomplete-beta.ts";

// Reference values from SciPy 1.17 (scipy.stats.beta.ppf and scipy.special.betainc).
const QUANTILES: Array<[a: number, b: number, p: number, x: number]> = [
  [2, 5, 0.05, 0.06284989170835438],
  [2, 5, 0.95, 0.5818034092520259],
  [2, 5, 0.5, 0.26444998329566005],
  [0.5, 0.5, 0.05, 0.0061558297024311365],
  [0.5, 0.5, 0.95, 0.9938441702975689],
  [10, 3, 0.05, 0.5618945648846887],
  [10, 3, 0.95, 0.9281297444577301],
  [100, 200, 0.05, 0.2892714259972719],
  [100, 200, 0.95, 0.3786607587098069],
  [1.5, 0.3, 0.05, 0.32180441138782245],
  [0.3, 1.5, 0.95, 0.6781955886121773],
  [1, 1, 0.3, 0.3],
  [3, 1, 0.2, 0.5848035476425733],
  [0.1, 0.1, 0.5, 0.5],
  [0.1, 0.1, 0.01, 8.869280655550208e-18],
  [1000, 3000, 0.05, 0.23881117793227385],
  [50.5, 0.7, 0.05, 0.9537819478839659],
];

const CDF: Array<[a: number, b: number, x: number, p: number]> = [
  [2, 5, 0.2, 0.3446400000000002],
  [0.5, 0.5, 0.3, 0.36901011956554536],
  [10, 3, 0.7, 0.25281534785499993],
  [100, 200, 0.33, 0.45661816333399713],
  [1.5, 0.3, 0.9, 0.4199720005487667],
  [5, 5, 0.5, 0.5],
];

describe("regularizedIncompleteBeta", () => {
  for (const [a, b, x, p] of CDF) {
    it(`I_${x}(${a}, ${b}) = ${p}`, () => {
      expect(Math.abs(regularizedIncompleteBeta(x, a, b) - p)).toBeLessThan(1e-12);
    });
  }

  it("matches the binomial sum for integer shapes", () => {
    for (const x of [0.01, 0.1, 0.37, 0.5, 0.9, 0.999]) {
      // I_x(a, b) = sum_{j=a}^{n} C(n, j) x^j (1-x)^(n-j), n = a + b - 1
      const n = 6;
      let sum = 0;
      for (let j = 2; j <= n; j++) sum += binomial(n, j) * x ** j * (1 - x) ** (n - j);
      expect(Math.abs(regularizedIncompleteBeta(x, 2, 5) - sum)).toBeLessThan(1e-13);
    }
  });

  it("is 0 at and below 0 and 1 at and above 1", () => {
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(-1, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
    expect(regularizedIncompleteBeta(2, 2, 3)).toBe(1);
  });

  it("rejects bad shapes and NaN with a message naming them", () => {
    expect(() => regularizedIncompleteBeta(0.5, 0, 1)).toThrow("regularizedIncompleteBeta: shape a must be a finite number > 0, got 0");
    expect(() => regularizedIncompleteBeta(0.5, 1, Number.POSITIVE_INFINITY)).toThrow("shape b must be a finite number > 0, got Infinity");
    expect(() => regularizedIncompleteBeta(Number.NaN, 1, 1)).toThrow("x is NaN");
  });
});

describe("betaQuantile", () => {
  for (const [a, b, p, x] of QUANTILES) {
    it(`Beta(${a}, ${b}) quantile ${p} = ${x}`, () => {
      expect(Math.abs(betaQuantile(p, a, b) - x)).toBeLessThan(1e-6);
    });
  }

  it("is the closed form for Beta(1, b) and Beta(a, 1)", () => {
    for (const p of [0.05, 0.5, 0.95]) {
      expect(Math.abs(betaQuantile(p, 1, 4) - (1 - (1 - p) ** (1 / 4)))).toBeLessThan(1e-9);
      expect(Math.abs(betaQuantile(p, 3, 1) - p ** (1 / 3))).toBeLessThan(1e-9);
    }
  });

  it("inverts the CDF", () => {
    for (const [a, b] of [[2, 5], [0.7, 3.2], [40, 12]] as const) {
      for (const p of [0.01, 0.05, 0.5, 0.95, 0.99]) expect(Math.abs(regularizedIncompleteBeta(betaQuantile(p, a, b), a, b) - p)).toBeLessThan(1e-9);
    }
  });

  it("gives 0 and 1 at the ends and rejects p outside [0, 1]", () => {
    expect(betaQuantile(0, 2, 2)).toBe(0);
    expect(betaQuantile(1, 2, 2)).toBe(1);
    expect(() => betaQuantile(1.5, 2, 2)).toThrow("betaQuantile: p must be between 0 and 1, got 1.5");
    expect(() => betaQuantile(Number.NaN, 2, 2)).toThrow("p must be between 0 and 1, got NaN");
    expect(() => betaQuantile(0.5, -1, 2)).toThrow("betaQuantile: shape a must be a finite number > 0, got -1");
  });
});

describe("logGamma", () => {
  it("matches ln((n-1)!) and ln Γ(1/2) = ln √π", () => {
    expect(Math.abs(logGamma(1))).toBeLessThan(1e-14);
    expect(Math.abs(logGamma(5) - Math.log(24))).toBeLessThan(1e-13);
    expect(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI))).toBeLessThan(1e-13);
    expect(Math.abs(logGamma(0.1) - 2.2527126517342055)).toBeLessThan(1e-12);
    expect(Math.abs(logGamma(1000) - 5905.220423209181) / 5905.220423209181).toBeLessThan(1e-14);
  });

  it("rejects x <= 0", () => {
    expect(() => logGamma(0)).toThrow("logGamma: x must be a finite number > 0, got 0");
  });
});

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}
