/**
 * "Does a run on this issue wait for a maintainer's answer?" for intake's request path, without a database query per
 * webhook: the (small) set of waiting issues is read at most once per `maxAgeMs` and shared by concurrent requests.
 * A question is posted before its run waits, and people take longer than a second to answer it, so a set up to
 * `maxAgeMs` old misses no answer. When the set cannot be read, every plain comment is stored (the workers decide).
 */
export function createAwaitingAnswerCheck(
  list: () => Promise<Set<string>>,
  opts: { maxAgeMs?: number; now?: () => number } = {},
): (repositoryGithubId: number, issueNumber: number) => Promise<boolean> {
  const maxAgeMs = opts.maxAgeMs ?? 1000;
  const now = opts.now ?? Date.now;
  let cached: { at: number; set: Set<string> } | undefined;
  let loading: Promise<Set<string> | undefined> | undefined;
  const current = async (): Promise<Set<string> | undefined> => {
    if (cached && now() - cached.at < maxAgeMs) return cached.set;
    loading ??= list()
      .then((set) => {
        cached = { at: now(), set };
        return set;
      })
      .catch(() => undefined)
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };
  return async (repositoryGithubId, issueNumber) => {
    const set = await current();
    return set === undefined ? true : set.has(`${repositoryGithubId}#${issueNumber}`);
  };
}
