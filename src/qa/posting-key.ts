import { findingMarker, parseFindingMarkers } from "./finding-marker.ts";

/**
 * A fingerprint as it appears in a posted hidden marker. `findingMarker` replaces a fingerprint that is not
 * safe inside an HTML comment by its hash, so current findings, markers read back from GitHub and
 * fingerprints stored in the database are compared through this key. Pure.
 */
export function postingKey(fingerprint: string): string {
  return parseFindingMarkers(findingMarker(String(fingerprint)))[0] ?? String(fingerprint);
}
