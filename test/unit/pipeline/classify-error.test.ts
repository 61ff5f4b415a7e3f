import { describe, expect, it } from "vitest";
import { classifyError } from "../../../src/pipeline/classify-error.ts";
import { CancelledError, ModeratorError } from "../../../src/util/errors.ts";

describe("classifyError", () => {
  it("retries GitHub 5xx, 429 and rate-limit 403, not other 4xx", () => {
    expect(classifyError(Object.assign(new Error("Bad Gateway"), { status: 502 }), "publish").kind).toBe("transient");
    expect(classifyError(Object.assign(new Error("slow down"), { status: 429 }), "publish").kind).toBe("transient");
    expect(classifyError(Object.assign(new Error("x"), { status: 403, response: { headers: { "x-ratelimit-remaining": "0" } } }), undefined).kind).toBe("transient");
    const forbidden = classifyError(Object.assign(new Error("Resource not accessible"), { status: 403 }), "publish");
    expect(forbidden.kind).toBe("permanent");
    expect(forbidden.hint).toContain("permissions");
    expect(classifyError(Object.assign(new Error("Validation Failed"), { status: 422 }), "publish").kind).toBe("permanent");
  });
  it("retries a GraphQL rate limit, which has no HTTP status", () => {
    const err = Object.assign(new Error("API rate limit exceeded"), { errors: [{ type: "RATE_LIMITED", message: "API rate limit exceeded" }] });
    expect(classifyError(err, "publish").kind).toBe("transient");
  });
  it("retries network errors", () => {
    expect(classifyError(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }), "prepare").kind).toBe("transient");
    expect(classifyError(new TypeError("fetch failed"), "prepare").kind).toBe("transient");
  });
  it("keeps ModeratorError's own classification and phase", () => {
    const c = classifyError(new ModeratorError("agent exited with code 1", { phase: "execute", hint: "h" }), "qa");
    expect(c).toMatchObject({ kind: "permanent", phase: "execute", hint: "h", infrastructure: false });
  });
  it("recognizes cancellation", () => {
    expect(classifyError(new CancelledError(), "execute").kind).toBe("cancelled");
  });
});
