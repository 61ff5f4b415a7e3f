// Pure helpers of the data layer: no database, no mocks.
import { createHash } from "node:crypto";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { checkSchemaName } from "../../../src/store/check-schema-name.ts";
import { describeConnectionError } from "../../../src/store/describe-connection-error.ts";
import { listMigrations } from "../../../src/store/list-migrations.ts";
import { maskDatabaseUrl } from "../../../src/store/mask-database-url.ts";
import { checksumMatches, migrationChecksum } from "../../../src/store/migration-checksum.ts";
import { parseDatabaseUrl } from "../../../src/store/parse-database-url.ts";
import { resolveMigrationsDir } from "../../../src/store/resolve-migrations-dir.ts";

const tempDirs: string[] = [];
afterEach(async () => {
  for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "moderator-store-"));
  tempDirs.push(dir);
  return dir;
}

describe("migration checksums", () => {
  const script = "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n";

  it("is the sha256 hex of the bytes", () => {
    expect(migrationChecksum(script)).toBe(createHash("sha256").update(script).digest("hex"));
    expect(migrationChecksum(Buffer.from(script))).toBe(migrationChecksum(script));
    expect(migrationChecksum(script)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("matches across LF and CRLF line endings, as Prisma does", () => {
    expect(checksumMatches(script, migrationChecksum(script))).toBe(true);
    expect(checksumMatches(script.replaceAll("\n", "\r\n"), migrationChecksum(script))).toBe(true);
    expect(checksumMatches(script, migrationChecksum(script.replaceAll("\n", "\r\n")))).toBe(true);
    expect(checksumMatches(`${script}-- edited\n`, migrationChecksum(script))).toBe(false);
  });

  it("matches checksums old Prisma versions stored without zero-padding", () => {
    const digest = createHash("sha256").update(script).digest();
    const unpadded = Array.from(digest, (b) => b.toString(16)).join("");
    if (unpadded.length === 64) throw new Error("test script must hash to at least one byte below 0x10");
    expect(checksumMatches(script, unpadded)).toBe(true);
    expect(checksumMatches("other", unpadded)).toBe(false);
  });
});

describe("maskDatabaseUrl", () => {
  it("hides the password and nothing else", () => {
    expect(maskDatabaseUrl("postgres://moderator:s3cret@db.example:5432/moderator?schema=x")).toBe(
      "postgres://moderator:***@db.example:5432/moderator?schema=x",
    );
    expect(maskDatabaseUrl("postgres://moderator@db:5432/m")).toBe("postgres://moderator@db:5432/m");
  });

  it("copes with unencoded @ and / in passwords and password= parameters", () => {
    expect(maskDatabaseUrl("postgresql://u:p@ss/w@rd@host/db")).toBe("postgresql://u:***@host/db");
    expect(maskDatabaseUrl("postgres://host/db?user=u&password=hunter2&sslmode=require")).toBe(
      "postgres://host/db?user=u&password=***&sslmode=require",
    );
    expect(maskDatabaseUrl("not a url")).toBe("not a url");
  });
});

describe("parseDatabaseUrl", () => {
  it("uses embedded PGlite in <dataDir>/pglite when unset or empty", () => {
    for (const url of [undefined, "", "  "]) {
      expect(parseDatabaseUrl(url, { dataDir: "/var/lib/moderator" })).toEqual({
        kind: "pglite",
        dataDir: "/var/lib/moderator/pglite",
        display: "embedded PGlite in /var/lib/moderator/pglite",
      });
    }
  });

  it("uses in-memory PGlite for pglite:memory", () => {
    expect(parseDatabaseUrl("pglite:memory", { dataDir: "/d" })).toMatchObject({ kind: "pglite", dataDir: undefined });
  });

  it("takes ?schema= out of the URL node-postgres sees; the schema option wins over it", () => {
    const fromUrl = parseDatabaseUrl("postgresql://u:pw@h:5432/db?schema=tenant_1&sslmode=disable", { dataDir: "/d" });
    expect(fromUrl).toEqual({
      kind: "postgres",
      connectionString: "postgresql://u:pw@h:5432/db?sslmode=disable",
      schema: "tenant_1",
      display: "postgresql://u:***@h:5432/db?schema=tenant_1&sslmode=disable",
    });
    expect(parseDatabaseUrl("postgres://h/db?schema=a", { dataDir: "/d", schema: "b" })).toMatchObject({ schema: "b" });
    expect(parseDatabaseUrl("postgres://h/db", { dataDir: "/d" })).toMatchObject({ schema: undefined });
  });

  it("rejects other schemes and bad schema names, without printing the password", () => {
    expect(() => parseDatabaseUrl("mysql://u:topsecret@h/db", { dataDir: "/d" })).toThrow(
      /DATABASE_URL "mysql:\/\/u:\*\*\*@h\/db" is not supported: use postgres:\/\//,
    );
    expect(() => parseDatabaseUrl("mysql://u:topsecret@h/db", { dataDir: "/d" })).not.toThrow(/topsecret/);
    expect(() => parseDatabaseUrl("postgres://h/db?schema=a;drop", { dataDir: "/d" })).toThrow(
      /DATABASE_URL postgres:\/\/h\/db\?schema=a;drop: schema name "a;drop" is not valid/,
    );
  });
});

describe("checkSchemaName", () => {
  it("accepts identifiers and rejects anything needing quoting tricks", () => {
    expect(checkSchemaName("t_abc-123", "x")).toBe("t_abc-123");
    expect(() => checkSchemaName('a"b', "DATABASE_URL")).toThrow(/^DATABASE_URL: schema name "a\\"b" is not valid/);
    expect(() => checkSchemaName("", "x")).toThrow(/not valid/);
    expect(() => checkSchemaName("9lives", "x")).toThrow(/not valid/);
    expect(() => checkSchemaName("a".repeat(64), "x")).toThrow(/not valid/);
  });
});

describe("describeConnectionError", () => {
  const at = "postgres://u:***@db:5432/m";
  const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

  it("says where, what failed and what to do, on one line", () => {
    const line = describeConnectionError(pgError("ECONNREFUSED", "connect ECONNREFUSED 10.0.0.1:5432"), at);
    expect(line).toBe(
      "cannot connect to PostgreSQL at postgres://u:***@db:5432/m: connection refused " +
        "(connect ECONNREFUSED 10.0.0.1:5432); start PostgreSQL or fix the host and port in DATABASE_URL",
    );
    expect(describeConnectionError(pgError("28P01", 'password authentication failed for user "u"'), at)).toMatch(
      /password authentication failed .*; fix the user name and password in DATABASE_URL$/,
    );
    expect(describeConnectionError(pgError("3D000", 'database "m" does not exist'), at)).toMatch(
      /the database does not exist .*createdb/,
    );
    expect(describeConnectionError(new Error("Connection terminated due to connection timeout"), at)).toMatch(
      /connection timed out/,
    );
    expect(describeConnectionError(new Error("multi\nline"), at)).not.toMatch(/\n/);
  });

  it("looks inside AggregateError (several addresses tried)", () => {
    const err = new AggregateError([pgError("ECONNREFUSED", "connect ECONNREFUSED ::1:5432")], "");
    expect(describeConnectionError(err, at)).toMatch(/connection refused \(connect ECONNREFUSED ::1:5432\)/);
  });
});

describe("listMigrations", () => {
  it("lists folders in name order with their checksums", async () => {
    const dir = await tempDir();
    for (const name of ["20240102000000_b", "20240101000000_a"]) {
      await mkdir(path.join(dir, name));
      await writeFile(path.join(dir, name, "migration.sql"), `-- ${name}\n`);
    }
    await writeFile(path.join(dir, "migration_lock.toml"), 'provider = "postgresql"\n');
    const migrations = await listMigrations(dir);
    expect(migrations.map((m) => m.name)).toEqual(["20240101000000_a", "20240102000000_b"]);
    expect(migrations[0]?.checksum).toBe(migrationChecksum("-- 20240101000000_a\n"));
  });

  it("refuses migrations written for another provider, and a missing folder", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "migration_lock.toml"), 'provider = "sqlite"\n');
    await expect(listMigrations(dir)).rejects.toThrow(/says provider = "sqlite"/);
    await expect(listMigrations(path.join(dir, "nope"))).rejects.toThrow(/migrations folder .*nope does not exist/);
  });
});

describe("resolveMigrationsDir", () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

  it("finds prisma/migrations of the moderator package from src/ and from dist/src/", () => {
    const expected = path.join(root, "prisma", "migrations");
    expect(resolveMigrationsDir()).toBe(expected);
    expect(resolveMigrationsDir(pathToFileURL(path.join(root, "dist/src/store/open-database.js")).href)).toBe(expected);
  });

  it("says so when no moderator package is above", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "something-else" }));
    expect(() => resolveMigrationsDir(path.join(dir, "x.js"))).toThrow(/cannot find Moderator's package root/);
  });
});
