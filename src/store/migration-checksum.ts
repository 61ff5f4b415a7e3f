import { createHash } from "node:crypto";

/** Prisma's checksum of a migration script: sha256 of its bytes, 64 lowercase hex digits. */
export function migrationChecksum(script: string | Uint8Array): string {
  return createHash("sha256").update(script).digest("hex");
}

/**
 * Whether `script` matches a checksum stored in `_prisma_migrations`, with the same leniency as Prisma's
 * schema engine: the script may differ only in CRLF vs LF line endings (git may convert them), and old
 * Prisma versions stored checksums without zero-padding each byte's hex digits.
 */
export function checksumMatches(script: string, stored: string): boolean {
  const variants = [script, script.replaceAll("\r\n", "\n"), script.replaceAll("\n", "\r\n")];
  return variants.some((variant) => {
    const digest = createHash("sha256").update(variant).digest();
    const rendered =
      stored.length !== 0 && stored.length !== 64
        ? Array.from(digest, (byte) => byte.toString(16)).join("")
        : digest.toString("hex");
    return rendered === stored;
  });
}
