import { describe, expect, it } from "vitest";
import { chooseV8Flags, SEMI_SPACE_MB } from "../../../src/cli/v8-flags.ts";

describe("chooseV8Flags", () => {
  it("keeps WebAssembly on Liftoff and the young generation small", () => {
    expect(chooseV8Flags({ execArgv: [], nodeOptions: undefined })).toEqual(["--liftoff-only", `--max-semi-space-size=${SEMI_SPACE_MB}`]);
  });

  it("leaves the semi-space size to an operator who set one, on the command line or in NODE_OPTIONS", () => {
    expect(chooseV8Flags({ execArgv: ["--enable-source-maps", "--max-semi-space-size=16"], nodeOptions: undefined })).toEqual(["--liftoff-only"]);
    expect(chooseV8Flags({ execArgv: [], nodeOptions: "--max-old-space-size=512 --max-semi-space-size=8" })).toEqual(["--liftoff-only"]);
  });
});
