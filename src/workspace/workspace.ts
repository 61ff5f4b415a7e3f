/**
 * A fresh clone of one repository for one run. The installation token is used for
 * clone and push only through per-command git config (http.<origin>.extraHeader, passed as
 * GIT_CONFIG_* environment so it is not on a command line either), is never written to
 * .git/config, and is never visible to the agent.
 */
export interface Workspace {
  /** Absolute path of the work tree. */
  readonly dir: string;
  readonly baseBranch: string;
  readonly branch: string;
  /** Sha of the base branch tip the branch started from. */
  readonly baseSha: string;
  /** Commit everything in the work tree (git add -A). Returns the new sha, or null when nothing changed. */
  checkpoint(message: string): Promise<string | null>;
  /** Reset the work tree hard to `sha` and remove untracked files. */
  rollback(sha: string): Promise<void>;
  /** Unified diff base...HEAD (`git diff --no-color -M baseSha HEAD`). */
  diff(): Promise<string>;
  /** Paths changed base...HEAD with their status. */
  changedFiles(): Promise<Array<{ path: string; status: "added" | "modified" | "deleted" | "renamed"; oldPath?: string }>>;
  headSha(): Promise<string>;
  /** Force-push HEAD to refs/heads/<branch> on origin with the token. */
  push(): Promise<void>;
  /** The commits base..HEAD as a git bundle (a race candidate's result, kept until the race is judged). */
  bundle(): Promise<Buffer>;
  /** Fetch a bundle made by `bundle()` from a clone of the same base and reset the branch to its head; returns the sha. */
  adoptBundle(bundle: Buffer): Promise<string>;
  /**
   * Combine another clone's work (a bundle made by `bundle()` from a clone whose base is an ancestor of HEAD) onto
   * the work tree: a squash merge, not committed (`checkpoint` commits it). On a conflict the work tree holds git's
   * conflict markers and `conflicts` names the files; `rollback(head)` undoes it.
   */
  mergeBundle(bundle: Buffer): Promise<MergeBundleResult>;
  /** Force-push the head of such a bundle to refs/heads/<branch> on origin (this clone's branch stays as it is); returns the sha. */
  pushBundle(bundle: Buffer, branch: string): Promise<string>;
  /** Delete refs/heads/<branch> on origin; false when there was no such branch. */
  deleteRemoteBranch(branch: string): Promise<boolean>;
  /** Delete the clone. Safe to call twice. */
  dispose(): Promise<void>;
}

export interface MergeBundleResult {
  /** HEAD before the merge. */
  head: string;
  /** The bundle's head commit. */
  incoming: string;
  /** Where the two lines of work part (the other clone's base). */
  base: string;
  /** Files git could not merge (empty when the merge is clean). */
  conflicts: string[];
  /** On a conflict, what HEAD changed since `base` and what the incoming work changed since `base` (unified diffs); empty otherwise. */
  ours: string;
  theirs: string;
}

export interface CloneOptions {
  /** The clone_url GitHub reports (https://..., or a local http:// or file:// URL in tests). */
  cloneUrl: string;
  token: string;
  baseBranch: string;
  branch: string;
  /** Parent folder; the clone goes into a new unique folder below it. */
  rootDir: string;
  /** If set and the remote branch exists at this sha, check it out instead of branching from base
   *  (resuming a run whose agent result was already pushed). */
  resumeSha?: string;
  signal?: AbortSignal;
  /** Commit author for checkpoints. */
  author?: { name: string; email: string };
  /** Extra environment for git itself (HTTPS_PROXY, NO_PROXY, GIT_SSL_CAINFO, a PATH where git lives).
   *  git otherwise gets only PATH (the default one), LC_ALL=C and its non-interactive settings. */
  gitEnv?: Record<string, string>;
}
