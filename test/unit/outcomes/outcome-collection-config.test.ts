import { describe, expect, it } from "vitest";
import { OutcomeCollectionConfig } from "../../../src/outcomes/outcome-collection-config.ts";

describe("OutcomeCollectionConfig", () => {
  it("defaults to every 30 minutes and says what is wrong", () => {
    expect(OutcomeCollectionConfig.parse(undefined)).toEqual({ enabled: true, everyMinutes: 30, lookbackDays: 60, maxPullRequests: 200 });
    expect(OutcomeCollectionConfig.parse({ everyMinutes: 10 })).toMatchObject({ everyMinutes: 10, lookbackDays: 60 });
    const bad = OutcomeCollectionConfig.safeParse({ everyMinutes: 1, colour: "red" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join(".") || i.code)).toEqual(expect.arrayContaining(["everyMinutes", "unrecognized_keys"]));
  });
});
