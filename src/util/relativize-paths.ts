/** One folder of the server and what to show instead (`.` for the repository's root). */
export interface PathRoot {
  dir: string;
  shownAs: string;
}

/**
 * Replace the server's folders in text meant for people (command output, error messages) with what they mean to
 * the repository: `<workspace>/src/a.js` -> `src/a.js`, the workspace itself -> `.`. Longer roots are replaced
 * first, so a scratch folder inside the workspace folder keeps its own name. Pure.
 */
export function relativizePaths(text: string, roots: readonly PathRoot[]): string {
  if (typeof text !== "string" || text.length === 0) return typeof text === "string" ? text : "";
  let out = text;
  const sorted = roots.filter((r) => r.dir.length > 1).map((r) => ({ ...r, dir: r.dir.replace(/\/+$/, "") })).sort((a, b) => b.dir.length - a.dir.length);
  for (const { dir, shownAs } of sorted) {
    if (!out.includes(dir)) continue;
    // `<dir>/x` -> `x` (or `<shownAs>/x`), then the bare folder -> shownAs; only where the path ends (not `<dir>-2`).
    const escaped = dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    out = out.replace(new RegExp(`${escaped}/`, "g"), shownAs === "." ? "" : `${shownAs}/`);
    out = out.replace(new RegExp(`${escaped}(?![\\w.-])`, "g"), shownAs);
  }
  return out;
}
