import { fingerprint } from "../util/fingerprint.ts";

const SAFE_FINGERPRINT = /^[A-Za-z0-9_.:]{1,128}$/;
const MARKER = /<!--\s*moderator:finding\s+([A-Za-z0-9_.:]{1,128})\s*-->/g;

/**
 * The hidden HTML comment that ties a posted comment (or list entry) to a finding, so later runs can tell
 * what was already posted. A fingerprint that is not safe inside an HTML comment is replaced by its own hash.
 */
export function findingMarker(fp: string): string {
  const safe = SAFE_FINGERPRINT.test(fp) ? fp : fingerprint(String(fp));
  return `<!-- moderator:finding ${safe} -->`;
}

/** All finding fingerprints marked in `text` (a review body, a comment), in order, without duplicates. */
export function parseFindingMarkers(text: string): string[] {
  if (typeof text !== "string") return [];
  const out = new Set<string>();
  for (const m of text.matchAll(MARKER)) out.add(m[1]!);
  return [...out];
}
