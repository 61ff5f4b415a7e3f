import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../../src/store/open-database.ts";
import { Store } from "../../../src/store/store.ts";
import { ModeratorError } from "../../../src/util/errors.ts";
import { dropSchema, TEST_POSTGRES_URL, uniqueSchemaName } from "../../support/db.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "moderator-db-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function track(db: Database): Database {
  cleanups.push(() => db.close());
  return db;
}

async function createAndReadExecution(db: Database): Promise<string> {
  const store = new Store(db.prisma);
  const repo = await store.upsertRepository({ githubId: 4242n, owner: "octo", name: "hello", installationId: 7 });
  const result = await store.createExecution({
    repositoryId: repo.id,
    issueNumber: 12,
    issueTitle: "Fix the parser",
    trigger: "label",
    triggeredBy: "maintainer",
  });
  expect(result.created).toBe(true);
  const read = await store.getExecution(result.execution.id);
  expect(read?.status).toBe("queued");
  expect(read?.repository.githubId).toBe(4242n);
  expect(read?.repository.installationId).toBe(7n);
  return result.execution.id;
}

describe("openDatabase with embedded PGlite", () => {
  it("stores data in <dataDir>/pglite, migrates, and keeps the data across restarts", async () => {
    const dataDir = await tempDir();
    const lines: string[] = [];
    const first = track(await openDatabase({ dataDir, migrate: true, log: (l) => lines.push(l) }));
    expect(first.kind).toBe("pglite");
    expect((await stat(path.join(dataDir, "pglite"))).isDirectory()).toBe(true);
    expect(lines.some((l) => /^applied \d+ migrations?: \d{14}_init/.test(l))).toBe(true);
    const id = await createAndReadExecution(first);
    await first.close();
    await first.close(); // closing twice is harmless

    const second = track(await openDatabase({ databaseUrl: "", dataDir }));
    expect(await second.migrate()).toEqual({ applied: [] });
    expect((await new Store(second.prisma).getExecution(id))?.issueTitle).toBe("Fix the parser");
  });

  it("runs in memory for pglite:memory", async () => {
    const dataDir = await tempDir();
    const db = track(await openDatabase({ databaseUrl: "pglite:memory", dataDir, migrate: true }));
    expect(db.kind).toBe("pglite");
    await createAndReadExecution(db);
    await expect(stat(path.join(dataDir, "pglite"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses a schema option, which only PostgreSQL supports", async () => {
    await expect(
      openDatabase({ databaseUrl: "pglite:memory", dataDir: "/unused", schema: "moderator" }),
    ).rejects.toThrow(/database schema "moderator" was given but DATABASE_URL selects the in-memory PGlite/);
  });

  it("says clearly when the data folder cannot be used", async () => {
    const dataDir = await tempDir();
    const file = path.join(dataDir, "not-a-folder");
    await import("node:fs/promises").then((fs) => fs.writeFile(file, "x"));
    const err = await openDatabase({ dataDir: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModeratorError);
    expect((err as Error).message).toMatch(/^cannot open the embedded PGlite in .*not-a-folder\/pglite: .*set DATABASE_URL/);
  });
});

describe("openDatabase with PostgreSQL", () => {
  it("uses the ?schema= of the URL for Prisma's queries and for migrations", async () => {
    const schema = uniqueSchemaName("open");
    cleanups.push(() => dropSchema(schema));
    const url = new URL(TEST_POSTGRES_URL);
    url.searchParams.set("schema", schema);
    const db = track(await openDatabase({ databaseUrl: url.toString(), dataDir: await tempDir(), migrate: true }));
    expect(db.kind).toBe("postgres");
    const id = await createAndReadExecution(db);

    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    try {
      const rows = await client.query(`SELECT "issueNumber" FROM "${schema}"."Execution" WHERE id = $1`, [id]);
      expect(rows.rows).toEqual([{ issueNumber: 12 }]);
    } finally {
      await client.end();
    }
    expect(await db.migrate()).toEqual({ applied: [] });
  });

  it("lets the schema option win over the URL's", async () => {
    const schema = uniqueSchemaName("opt");
    cleanups.push(() => dropSchema(schema));
    const url = new URL(TEST_POSTGRES_URL);
    url.searchParams.set("schema", "never_used_schema");
    const db = track(await openDatabase({ databaseUrl: url.toString(), dataDir: "/unused", schema, migrate: true }));
    await createAndReadExecution(db);
    const [row] = await db.prisma.$queryRawUnsafe<{ s: string }[]>(`SELECT current_schema() AS s`);
    expect(row?.s).toBe(schema);
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    try {
      const found = await client.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'never_used_schema'`);
      expect(found.rowCount).toBe(0);
    } finally {
      await client.end();
    }
  });

  it("fails on a wrong URL with one line: where (password masked), what, what to do", async () => {
    const refused = await openDatabase({ databaseUrl: "postgres://postgres:hunter2@127.0.0.1:1/test", dataDir: "/x" }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ModeratorError);
    const message = (refused as Error).message;
    expect(message).toMatch(
      /^cannot connect to PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/test: connection refused .*; start PostgreSQL/,
    );
    expect(message).not.toMatch(/hunter2|\n/);
    expect((refused as ModeratorError).infrastructure).toBe(true);

    const missing = new URL(TEST_POSTGRES_URL);
    missing.pathname = "/moderator_no_such_database";
    await expect(openDatabase({ databaseUrl: missing.toString(), dataDir: "/x" })).rejects.toThrow(
      /moderator_no_such_database: the database does not exist .*createdb/,
    );
  });

  it("rejects URLs it does not understand", async () => {
    await expect(openDatabase({ databaseUrl: "sqlite:///tmp/x.db", dataDir: "/x" })).rejects.toThrow(
      /DATABASE_URL "sqlite:\/\/\/tmp\/x.db" is not supported/,
    );
  });
});
