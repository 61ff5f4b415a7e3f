/**
 * The ExecutionEvent type appended (to the newest execution of a pull request) once a closed pull request's
 * outcomes were collected for the last time; the repeatable collector passes over such pull requests.
 */
export const OUTCOMES_FINAL_EVENT = "outcomes.final";
