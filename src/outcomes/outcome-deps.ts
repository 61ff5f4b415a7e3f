import type { Permission } from "../app/get-sender-permission.ts";
import type { CodeHost, RepoRef } from "../codehost/code-host.ts";
import type { Store } from "../store/store.ts";

/**
 * Asks the code host what `login` may do in repository `ref` (on GitHub: `getSenderPermission` with the
 * installation's Octokit). Never guessed from a name.
 */
export type GetPermission = (ref: RepoRef, login: string) => Promise<Permission>;

/** What the outcome collectors need for one repository. */
export interface OutcomeDeps {
  store: Store;
  codeHost: CodeHost;
  getPermission: GetPermission;
}

/** One Feedback row a collector wrote (or would have written, when it already existed). */
export interface RecordedFeedback {
  id: string;
  kind: string;
  sourceKey: string;
  actor: string;
  actorCanWrite: boolean;
  findingId: string | null;
  executionId: string | null;
}

/** What one collector did on one pull request. */
export interface CollectionResult {
  /** Rows written by this call. */
  recorded: RecordedFeedback[];
  /** Rows found that earlier collections had already written. */
  alreadyRecorded: number;
  /** Rows that could not be written this time (the permission could not be read...); the next collection retries them. */
  skipped: Array<{ sourceKey: string; reason: string }>;
}
