import type { Author, PullRequestFile } from "../codehost/code-host.ts";
import { isBotAuthor } from "./is-bot-author.ts";

/** A ```suggestion block Moderator posted, read back from its review comment. */
export interface PostedSuggestion {
  commentId: number;
  path: string;
  /** The block's text; "" deletes the commented lines. */
  replacement: string;
  /** The commit the comment was made on. */
  originalCommitId: string | null;
  /** ISO time the comment was made. */
  createdAt: string;
}

/** What matching needs of a commit. */
export interface SuggestionCommit {
  sha: string;
  message: string;
  author: Author | null;
  committedAt: string | null;
}

/** How an applied suggestion was recognised. */
export type SuggestionMatch = "replacement" | "deletion";

/**
 * The first lines of the commits GitHub writes for "Commit suggestion" / "Add suggestion to batch":
 * "Apply suggestions from code review", "Apply suggestion from @login", or "Update <file>".
 */
export const GITHUB_SUGGESTION_MESSAGE = /^(Apply suggestions? from (code review|@\S+)|Update \S+)\s*$/i;

/** A replacement whose every line is this short ("}", "", ");") proves nothing by itself. */
const TRIVIAL_LINE = 3;

/**
 * The commits of a pull request (oldest first) that may have applied `suggestion`: those after the commit the
 * comment was made on; when that commit is not in the list any more (a force push), those committed at or
 * after the comment. Commits by bots (Moderator's own included) or by no GitHub account never count: the
 * feedback is a person's. Pure.
 */
export function candidateCommits<T extends SuggestionCommit>(suggestion: PostedSuggestion, commits: readonly T[]): T[] {
  const byPerson = (c: T): boolean => c.author !== null && !isBotAuthor(c.author);
  const base = suggestion.originalCommitId === null ? -1 : commits.findIndex((c) => c.sha === suggestion.originalCommitId);
  if (base !== -1) return commits.slice(base + 1).filter(byPerson);
  const posted = Date.parse(suggestion.createdAt);
  return commits.filter((c) => {
    if (!byPerson(c)) return false;
    const at = c.committedAt === null ? Number.NaN : Date.parse(c.committedAt);
    return Number.isNaN(posted) || Number.isNaN(at) || at >= posted;
  });
}

interface PatchHunk {
  /** The hunk's new-side lines (context and added), in order. */
  lines: Array<{ text: string; added: boolean }>;
  deletions: number;
}

function parseHunks(patch: string): PatchHunk[] {
  const hunks: PatchHunk[] = [];
  let current: PatchHunk | undefined;
  for (const line of patch.replace(/\r\n?/g, "\n").split("\n")) {
    if (line.startsWith("@@")) {
      current = { lines: [], deletions: 0 };
      hunks.push(current);
    } else if (current === undefined || line.startsWith("\\")) {
      continue;
    } else if (line.startsWith("+")) {
      current.lines.push({ text: line.slice(1), added: true });
    } else if (line.startsWith("-")) {
      current.deletions += 1;
    } else {
      current.lines.push({ text: line.startsWith(" ") ? line.slice(1) : line, added: false });
    }
  }
  return hunks;
}

/**
 * Whether `commit` applied `suggestion`, judged from the commit's patch of the suggestion's file (the exact
 * replacement is not stored with the Finding row, so the posted block is compared with what the commit wrote):
 * - `replacement`: the block's lines (trailing spaces ignored) appear, one after the other, among the new-side
 *   lines of one hunk, at least one of them added by the commit. A block of trivial lines only ("}") also needs
 *   GitHub's suggestion commit message;
 * - `deletion`: an empty block, GitHub's suggestion message, and a hunk of the file that only deletes lines.
 * null otherwise. Pure.
 */
export function matchAppliedSuggestion(
  suggestion: PostedSuggestion,
  commit: { message: string; files: readonly PullRequestFile[] },
): SuggestionMatch | null {
  const file = commit.files.find((f) => f.path === suggestion.path);
  if (!file || typeof file.patch !== "string") return null;
  const hunks = parseHunks(file.patch);
  const fromGitHub = GITHUB_SUGGESTION_MESSAGE.test((commit.message.split("\n")[0] ?? "").trim());
  const replacement = suggestion.replacement.replace(/\r\n?/g, "\n").replace(/\n$/, "");

  if (replacement === "") {
    return fromGitHub && hunks.some((h) => h.deletions > 0 && !h.lines.some((l) => l.added)) ? "deletion" : null;
  }
  const wanted = replacement.split("\n").map((l) => l.trimEnd());
  if (wanted.every((l) => l.trim().length < TRIVIAL_LINE) && !fromGitHub) return null;
  for (const hunk of hunks) {
    const texts = hunk.lines.map((l) => l.text.trimEnd());
    for (let start = 0; start + wanted.length <= texts.length; start += 1) {
      let same = true;
      for (let k = 0; k < wanted.length && same; k += 1) same = texts[start + k] === wanted[k];
      if (same && hunk.lines.slice(start, start + wanted.length).some((l) => l.added)) return "replacement";
    }
  }
  return null;
}
