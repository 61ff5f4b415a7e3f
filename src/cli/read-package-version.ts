import { readFileSync } from "node:fs";
import path from "node:path";
import { resolveMigrationsDir } from "../store/resolve-migrations-dir.ts";

/** The version in Moderator's own package.json (the package root is found as for the migrations). */
export function readPackageVersion(): string {
  const root = path.dirname(path.dirname(resolveMigrationsDir()));
  const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version?: unknown };
  return typeof manifest.version === "string" ? manifest.version : "unknown";
}
