import { defineConfig } from "prisma/config";

// Prisma 7 takes the connection URL from here. process.env (not env()) so that
// `prisma generate` works when DATABASE_URL is unset (see docs/ARCHITECTURE.md).
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test" },
});
