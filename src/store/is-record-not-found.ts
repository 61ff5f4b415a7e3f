import { Prisma } from "../generated/prisma/client.ts";

/** Whether `err` is Prisma's "an operation failed because it depends on records that were not found" (P2025). */
export function isRecordNotFound(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2025";
}
