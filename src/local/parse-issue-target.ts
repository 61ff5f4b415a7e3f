import { ModeratorError } from "../util/errors.ts";

/** `owner/repo#123` (or a GitHub issue URL) → its parts; a clear error otherwise. */
export function parseIssueTarget(text: string): { owner: string; repo: string; issueNumber: number } {
  const trimmed = text.trim();
  const match =
    /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})#([1-9]\d{0,9})$/.exec(trimmed) ??
    /^https?:\/\/[^/]+\/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})\/issues\/([1-9]\d{0,9})\/?$/.exec(trimmed);
  if (!match) {
    throw new ModeratorError(`--github ${JSON.stringify(text)}: expected owner/repo#123 (or the issue's URL)`);
  }
  return { owner: match[1] as string, repo: (match[2] as string).replace(/\.git$/, ""), issueNumber: Number(match[3]) };
}
