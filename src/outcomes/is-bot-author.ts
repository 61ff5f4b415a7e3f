import type { Author } from "../codehost/code-host.ts";

/**
 * Whether a comment, reaction or commit author is a bot (a GitHub App, Moderator included): GitHub says
 * `type: "Bot"`, and a `[bot]` login is one too (a person cannot register a login with brackets). A deleted
 * account (null) is not a person whose feedback can count either.
 */
export function isBotAuthor(author: Author | null | undefined): boolean {
  if (!author) return true;
  return author.bot || author.login.toLowerCase().endsWith("[bot]");
}
