// Prisma's own schema engine (the WebAssembly build used by scripts/write-migration.mjs) must see a database
// migrated by applyMigrations exactly as one migrated by `prisma migrate deploy`, and the other way round,
// so Prisma's tooling can take over wherever its native engine is available.
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations } from "../../../src/store/apply-migrations.ts";
import { resolveMigrationsDir } from "../../../src/store/resolve-migrations-dir.ts";
import { wrapPglite } from "../../../src/store/wrap-pglite.ts";

interface Engine {
  diagnoseMigrationHistory(input: unknown): Promise<{
    history: unknown;
    failedMigrationNames: string[];
    editedMigrationNames: string[];
    hasMigrationsTable: boolean;
  }>;
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  free(): void;
}

const migrationsDir = resolveMigrationsDir();
const schemaPath = path.join(migrationsDir, "..", "schema.prisma");
const filters = { externalTables: [], externalEnums: [] };

interface WasmApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: object } }>;
}

interface Glue {
  SchemaEngine: { new: (options: unknown, log: (line: string) => void, adapter: unknown) => Promise<Engine> };
}

let glue: Glue;
const panics: string[] = [];

/** Instantiates the engine's wasm once for this file (a second instance in one process breaks the glue). */
beforeAll(async () => {
  const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
  g.PRISMA_WASM_PANIC_REGISTRY ??= { set_message: (message) => panics.push(message) };
  const require = createRequire(import.meta.url);
  const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const module = await import(pathToFileURL(gluePath).href);
  const bytes = await readFile(path.join(path.dirname(gluePath), "schema_engine_bg.wasm"));
  // (The project's TypeScript lib has no WebAssembly typings; Node has the API.)
  const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const { instance } = await wasmApi.instantiate(bytes, { "./schema_engine_bg.js": module });
  module.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
  glue = module as Glue;
});

async function openEngine(db: PGlite): Promise<Engine> {
  const schema = await readFile(schemaPath, "utf8");
  return glue.SchemaEngine.new(
    { datamodels: [[schemaPath, schema]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(db)),
  );
}

async function migrationsList() {
  const names = (await readdir(migrationsDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return {
    baseDir: migrationsDir,
    lockfile: { path: "migration_lock.toml", content: await readFile(path.join(migrationsDir, "migration_lock.toml"), "utf8") },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      names.map(async (name) => ({
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: { tag: "ok", value: await readFile(path.join(migrationsDir, name, "migration.sql"), "utf8") },
        },
      })),
    ),
  };
}

const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
  expect(panics).toEqual([]);
});

describe("compatibility with Prisma's schema engine", () => {
  it("Prisma sees a database migrated by applyMigrations as up to date, with nothing to apply", async () => {
    const db = new PGlite();
    open.push(db);
    const { applied } = await applyMigrations(wrapPglite(db), migrationsDir);
    expect(applied.length).toBeGreaterThan(0);

    const engine = await openEngine(db);
    open.push({ close: () => engine.free() });
    const list = await migrationsList();
    const diagnosis = await engine.diagnoseMigrationHistory({ migrationsList: list, optInToShadowDatabase: false, filters });
    expect(diagnosis).toMatchObject({ history: null, failedMigrationNames: [], editedMigrationNames: [], hasMigrationsTable: true });
    expect((await engine.applyMigrations({ migrationsList: list, filters })).appliedMigrationNames).toEqual([]);
  });

  it("applyMigrations sees a database migrated by Prisma as up to date", async () => {
    const db = new PGlite();
    open.push(db);
    const engine = await openEngine(db);
    open.push({ close: () => engine.free() });
    const list = await migrationsList();
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList: list, filters });
    expect(appliedMigrationNames.length).toBeGreaterThan(0);

    expect(await applyMigrations(wrapPglite(db), migrationsDir)).toEqual({ applied: [] });
  });
});
