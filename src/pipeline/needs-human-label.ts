/** The label on an issue whose run waits for a maintainer's answer (its own module: the web's controls use it too). */
export const NEEDS_HUMAN_LABEL = "moderator:needs-human";
