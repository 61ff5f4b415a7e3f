import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_NAME = "moderator";

/**
 * `<package root>/prisma/migrations`, where the package root is the nearest folder above `from`
 * (default: this module) holding a package.json named "moderator". Works from src/ (vitest, tsx)
 * and from dist/src/ (after tsc) alike.
 */
export function resolveMigrationsDir(from: string = import.meta.url): string {
  const start = from.startsWith("file:") ? fileURLToPath(from) : path.resolve(from);
  let dir = path.dirname(start);
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && readPackageName(manifest) === PACKAGE_NAME) {
      return path.join(dir, "prisma", "migrations");
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(
        `cannot find Moderator's package root (a package.json named "${PACKAGE_NAME}") above ${start}; ` +
          "run Moderator from its installed folder",
      );
    }
    dir = parent;
  }
}

function readPackageName(manifest: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(manifest, "utf8"));
    return typeof parsed === "object" && parsed !== null && "name" in parsed && typeof parsed.name === "string"
      ? parsed.name
      : undefined;
  } catch {
    return undefined;
  }
}
