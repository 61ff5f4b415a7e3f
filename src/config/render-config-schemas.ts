import { z } from "zod";
import { OperatorConfig } from "./operator-config.ts";
import { RepoConfig } from "./repo-config.ts";

/** The folder (at the package root) the schemas are written to by `npm run build`. */
export const SCHEMAS_DIR = "schemas";

const EXTENDS_DESCRIPTION =
  "Start from another repository's .github/moderator.yml and override it here: `other-repo` (same owner), `owner/repo`, or `owner/repo:path/to/file.yml`. " +
  "`_extends: .github` layers this file over the organization's defaults; a repository without a .github/moderator.yml of its own takes them as they are.";

/**
 * JSON Schemas (draft-07, which editors' YAML language servers read) of the two configuration files, from
 * the zod schemas that validate them: `io: "input"` so fields with defaults are optional, as in the files.
 * File name -> text (2-space JSON with a final newline). Pure.
 */
export function renderConfigSchemas(): Record<string, string> {
  const repo = z.toJSONSchema(RepoConfig, { io: "input", target: "draft-7" }) as { properties: Record<string, unknown> };
  const repoSchema = {
    ...repo,
    title: "Moderator repository configuration (.github/moderator.yml)",
    properties: { _extends: { type: "string", minLength: 1, description: EXTENDS_DESCRIPTION }, ...repo.properties },
  };
  const operatorSchema = {
    ...z.toJSONSchema(OperatorConfig, { io: "input", target: "draft-7" }),
    title: "Moderator operator configuration (moderator.config.yml)",
  };
  const text = (schema: unknown) => `${JSON.stringify(schema, null, 2)}\n`;
  return { "moderator.schema.json": text(repoSchema), "moderator.config.schema.json": text(operatorSchema) };
}
