import path from "node:path";
import { checkSchemaName } from "./check-schema-name.ts";
import { maskDatabaseUrl } from "./mask-database-url.ts";

/** Where the data lives, decided from DATABASE_URL. `display` is safe to print (password masked). */
export type DatabaseTarget =
  | { kind: "postgres"; connectionString: string; schema: string | undefined; display: string }
  | { kind: "pglite"; dataDir: string | undefined; display: string };

const PGLITE_MEMORY = "pglite:memory";

/**
 * Classifies a database URL:
 *  - `postgres://` / `postgresql://` -> PostgreSQL; a `?schema=` parameter (Prisma's convention) is taken
 *    out of the URL node-postgres sees and becomes `schema`; `opts.schema`, when given, wins;
 *  - unset or empty -> embedded PGlite stored in `<dataDir>/pglite`;
 *  - `pglite:memory` -> in-memory PGlite (nothing is kept);
 *  - `pglite:<folder>` -> embedded PGlite stored in that folder (relative to the working directory).
 * Anything else throws an error that says what is accepted.
 */
export function parseDatabaseUrl(
  databaseUrl: string | undefined,
  opts: { dataDir: string; schema?: string | undefined },
): DatabaseTarget {
  const raw = databaseUrl?.trim() ?? "";
  if (raw === "") {
    const dataDir = path.resolve(opts.dataDir, "pglite");
    return { kind: "pglite", dataDir, display: `embedded PGlite in ${dataDir}` };
  }
  if (raw === PGLITE_MEMORY) return { kind: "pglite", dataDir: undefined, display: "in-memory PGlite" };
  if (raw.startsWith("pglite:")) {
    const dir = raw.slice("pglite:".length).trim();
    if (dir === "") throw new Error('DATABASE_URL "pglite:" needs a folder (pglite:/var/lib/moderator/db) or "pglite:memory"');
    const dataDir = path.resolve(dir);
    return { kind: "pglite", dataDir, display: `embedded PGlite in ${dataDir}` };
  }
  const display = maskDatabaseUrl(raw);
  if (!/^postgres(ql)?:\/\//i.test(raw)) {
    throw new Error(
      `DATABASE_URL ${JSON.stringify(display)} is not supported: use postgres://user:password@host:5432/db ` +
        `(or postgresql://), "${PGLITE_MEMORY}", "pglite:<folder>", or leave it empty for the embedded database in <data dir>/pglite`,
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(
      `DATABASE_URL ${JSON.stringify(display)} is not a valid URL: percent-encode special characters in the ` +
        "user name and password (e.g. @ as %40)",
    );
  }
  const urlSchema = url.searchParams.get("schema") ?? undefined;
  url.searchParams.delete("schema");
  const chosen = opts.schema ?? (urlSchema === "" ? undefined : urlSchema);
  const schema =
    chosen === undefined
      ? undefined
      : checkSchemaName(chosen, opts.schema !== undefined ? "database schema option" : `DATABASE_URL ${display}`);
  return { kind: "postgres", connectionString: url.toString(), schema, display };
}
