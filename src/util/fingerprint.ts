import { createHash } from "node:crypto";

/**
 * A stable 16-hex-character identifier for a finding: sha256 over the parts joined with NUL,
 * after trimming each part and collapsing runs of whitespace to one space (so re-indenting or
 * moving code keeps the fingerprint). Never pass line numbers: they change when code moves.
 */
export function fingerprint(...parts: string[]): string {
  const normalized = parts.map((part) => String(part).replace(/\s+/g, " ").trim());
  return createHash("sha256").update(normalized.join("\u0000"), "utf8").digest("hex").slice(0, 16);
}
