import { describe, expect, it } from "vitest";
import { relativizePaths } from "../../../src/util/relativize-paths.ts";

describe("relativizePaths", () => {
  const roots = [
    { dir: "/srv/moderator/work/ws-1a2b", shownAs: "." },
    { dir: "/srv/moderator/work/scratch-1a2b", shownAs: "<scratch>" },
  ];
  it("shows files under the workspace as repository paths and the workspace itself as .", () => {
    expect(relativizePaths("FAIL /srv/moderator/work/ws-1a2b/src/a.test.js:3\ncwd: /srv/moderator/work/ws-1a2b\n", roots)).toBe("FAIL src/a.test.js:3\ncwd: .\n");
    expect(relativizePaths("wrote /srv/moderator/work/scratch-1a2b/qa-home/x", roots)).toBe("wrote <scratch>/qa-home/x");
  });
  it("leaves other paths alone, including a sibling whose name starts the same", () => {
    expect(relativizePaths("/srv/moderator/work/ws-1a2b-old/x and /usr/bin/node", roots)).toBe("/srv/moderator/work/ws-1a2b-old/x and /usr/bin/node");
  });
});
