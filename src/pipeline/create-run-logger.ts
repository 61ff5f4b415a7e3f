import type { Logger } from "../util/logger.ts";

/**
 * The child logger of one run, made once by runExecution and handed to every step: each line carries the run id,
 * the repository and the issue; runExecution adds the backend (`setBindings`) once the route is chosen.
 */
export function createRunLogger(
  log: Logger,
  execution: { id: string; issueNumber: number; backend: string | null; repository: { owner: string; name: string } },
): Logger {
  return log.child({ executionId: execution.id, repository: `${execution.repository.owner}/${execution.repository.name}`, issue: execution.issueNumber });
}
