/** PATH a child gets when the caller's environment has none (and the directories searched for bwrap). */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
