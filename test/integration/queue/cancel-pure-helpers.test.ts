import { describe, expect, it } from "vitest";
import { SHUTDOWN_REASON } from "../../../src/pipeline/run-execution.ts";
import { cancelChannel, cancelRequestsKey } from "../../../src/queue/cancel-channel.ts";
import { parseCancelMessage } from "../../../src/queue/cancel-message.ts";
import { CANCEL_REASON_PREFIX, formatCancelReason, parseCancelReason } from "../../../src/queue/cancel-run.ts";

describe("cancel reason", () => {
  it("encodes who asked under the prefix, and the reason after it", () => {
    expect(formatCancelReason("maia")).toBe("moderator:cancel:maia");
    expect(formatCancelReason("maia", "/moderator cancel")).toBe("moderator:cancel:maia:/moderator cancel");
    expect(formatCancelReason("maia").startsWith(CANCEL_REASON_PREFIX)).toBe(true);
  });

  it("round-trips logins and reasons with colons and percent signs", () => {
    for (const [by, reason] of [
      ["maia", undefined],
      ["moderator", "superseded by a new trigger: label added"],
      ["dependabot[bot]", "a: b: c"],
      ["we:ird%3A", "100% sure"],
      ["%25", ":"],
    ] as const) {
      const encoded = formatCancelReason(by, reason);
      expect(parseCancelReason(encoded)).toEqual(reason === undefined ? { by } : { by, reason });
    }
  });

  it("does not take a shutdown, a plain abort or garbage for a cancellation", () => {
    expect(parseCancelReason(SHUTDOWN_REASON)).toBeUndefined();
    expect(parseCancelReason("This operation was aborted")).toBeUndefined();
    expect(parseCancelReason("")).toBeUndefined();
    expect(parseCancelReason("moderator:cancel:")).toBeUndefined();
    expect(parseCancelReason("moderator:cancel::why")).toBeUndefined();
    expect(parseCancelReason("moderator:cancel")).toBeUndefined();
  });

  it("refuses an empty `by`", () => {
    expect(() => formatCancelReason("")).toThrow(/`by` must not be empty/);
  });
});

describe("cancel channel", () => {
  it("is named after the queue; the remembered requests live next to it", () => {
    expect(cancelChannel("moderator-runs")).toBe("moderator:cancel:moderator-runs");
    expect(cancelRequestsKey(cancelChannel("q"))).toBe("moderator:cancel:q:requested");
    expect(() => cancelChannel("")).toThrow(/queue name must not be empty/);
  });
});

describe("parseCancelMessage", () => {
  it("accepts a request", () => {
    expect(parseCancelMessage(JSON.stringify({ jobId: "run-1-2-x", reason: "stop", by: "maia" }))).toEqual({
      ok: true,
      message: { jobId: "run-1-2-x", reason: "stop", by: "maia" },
    });
  });

  it("says what is wrong and where", () => {
    const notJson = parseCancelMessage("{nope");
    expect(notJson.ok).toBe(false);
    expect(!notJson.ok && notJson.error).toMatch(/^not JSON: /);

    const missing = parseCancelMessage(JSON.stringify({ jobId: "", reason: 3 }));
    expect(missing.ok).toBe(false);
    const error = !missing.ok ? missing.error : "";
    expect(error).toMatch(/^not a cancel request: /);
    expect(error).toContain("jobId:");
    expect(error).toContain("reason:");
    expect(error).toContain("by:");

    const array = parseCancelMessage("[]");
    expect(!array.ok && array.error).toMatch(/\(root\)/);

    const huge = parseCancelMessage("x".repeat(20_000));
    expect(!huge.ok && huge.error).toMatch(/20000 characters long/);
  });
});
