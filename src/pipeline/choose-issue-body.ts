/** An edit of the issue body made after the trigger: who, when, and whether they may write to the repository. */
export interface BodyEdit {
  login: string;
  editedAt: string;
  canWrite: boolean;
}

export interface ChosenBody {
  body: string;
  /** Said in the tracking comment when the agent does not get the body as it is now. */
  note?: string;
}

/**
 * Which issue body the agent works on. The writer who triggered the run approved the text they saw (`approved`, from
 * the webhook payload). When the body changed since: the current text when the last edit after the trigger was by
 * a writer (they approved it by editing), otherwise the approved text, and the tracking comment says why. Edits that
 * cannot be read (`undefined`) count as unknown, hence not approved. Both texts are already sanitized. Pure.
 */
export function chooseIssueBody(input: { approved: string | null; current: string; triggeredBy: string; edits: BodyEdit[] | undefined }): ChosenBody {
  const { approved, current } = input;
  if (approved === null || normalize(approved) === normalize(current)) return { body: current };
  const last = input.edits?.at(-1);
  if (last?.canWrite) return { body: current };
  const who = last ? ` by @${last.login}, who has no write access,` : "";
  return {
    body: approved,
    note:
      `The issue description was edited after @${input.triggeredBy} started this run${who}; ` +
      `the agent works on the description as it was when the run was started${input.edits === undefined ? " (who edited it could not be read)" : ""}.`,
  };
}

function normalize(s: string): string {
  return s.replace(/\r\n/g, "\n").trim();
}
