/**
 * Bots never trigger runs: GitHub marks them `type: "Bot"`; the `[bot]` suffix is checked too
 * (a human cannot register a login containing brackets, so this can only widen the net).
 */
export function isBotSender(sender: { login?: string; type?: string } | null | undefined): boolean {
  if (!sender) return true;
  if (sender.type === "Bot") return true;
  return typeof sender.login === "string" && sender.login.toLowerCase().endsWith("[bot]");
}
