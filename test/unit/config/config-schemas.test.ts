import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderConfigSchemas, SCHEMAS_DIR } from "../../../src/config/render-config-schemas.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");

describe("JSON Schemas of the configuration files", () => {
  it("schemas/ matches the zod schemas (run `npm run build` after changing a config schema)", () => {
    for (const [name, text] of Object.entries(renderConfigSchemas())) {
      let committed = "";
      try {
        committed = readFileSync(path.join(ROOT, SCHEMAS_DIR, name), "utf8");
      } catch {
        committed = `(missing: ${SCHEMAS_DIR}/${name})`;
      }
      expect(committed, `${SCHEMAS_DIR}/${name} is out of date: run npm run build and commit it`).toBe(text);
    }
  });

  it("describe what the files hold: defaults optional, _extends allowed, unknown keys refused", () => {
    const schemas = renderConfigSchemas();
    const repo = JSON.parse(schemas["moderator.schema.json"] ?? "{}") as { required?: string[]; additionalProperties: boolean; properties: Record<string, { type?: string; default?: unknown }> };
    expect(repo.additionalProperties).toBe(false);
    expect(repo.required ?? []).toEqual([]);
    expect(repo.properties["_extends"]?.type).toBe("string");
    expect(repo.properties["label"]).toMatchObject({ type: "string", default: "moderator" });
    const operator = JSON.parse(schemas["moderator.config.schema.json"] ?? "{}") as { properties: Record<string, { enum?: string[] }> };
    expect(operator.properties["sandbox"]?.enum).toEqual(["auto", "bwrap", "none"]);
  });
});
