import { fingerprint } from "../util/fingerprint.ts";

const SAFE_FINGERPRINT = /^[A-Za-z0-9_.:]{1,128}$/;

/**
 * The hidden HTML comment that ties a checklist entry or a pull request to an improvement. A fingerprint that is
 * not safe inside an HTML comment is replaced by its own hash (improvement fingerprints are hex, so never in practice).
 */
export function improvementMarker(fp: string): string {
  const safe = SAFE_FINGERPRINT.test(fp) ? fp : fingerprint(String(fp));
  return `<!-- moderator:improvement ${safe} -->`;
}

/** All improvement fingerprints marked in `text` (a PR body, a comment), in order, without duplicates. */
export function parseImprovementMarkers(text: string): string[] {
  if (typeof text !== "string") return [];
  const out = new Set<string>();
  for (const m of text.matchAll(/<!--\s*moderator:improvement\s+([A-Za-z0-9_.:]{1,128})\s*-->/g)) out.add(m[1]!);
  return [...out];
}
