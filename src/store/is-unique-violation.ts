import { Prisma } from "../generated/prisma/client.ts";

/**
 * Whether `err` is Prisma's unique-constraint violation (P2002), optionally on a constraint that involves
 * `field` (matched against the fields or index name Prisma reports; PostgreSQL names unique indexes
 * `<Model>_<field>_key`).
 */
export function isUniqueViolation(err: unknown, field?: string): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError) || err.code !== "P2002") return false;
  if (field === undefined) return true;
  const names = constraintNames(err.meta);
  // When the driver does not say which constraint failed, do not guess "another one".
  return names.length === 0 || names.some((name) => name === field || name.includes(`_${field}_`));
}

function constraintNames(meta: Record<string, unknown> | undefined): string[] {
  const names: string[] = [];
  const target = meta?.["target"];
  if (Array.isArray(target)) names.push(...target.filter((t): t is string => typeof t === "string"));
  else if (typeof target === "string") names.push(target);
  const cause = (meta?.["driverAdapterError"] as { cause?: { constraint?: unknown } } | undefined)?.cause;
  const constraint = cause?.constraint as { fields?: unknown; index?: unknown } | undefined;
  if (Array.isArray(constraint?.fields)) {
    names.push(...constraint.fields.filter((f): f is string => typeof f === "string").map((f) => f.replace(/"/g, "")));
  }
  if (typeof constraint?.index === "string") names.push(constraint.index);
  return names;
}
