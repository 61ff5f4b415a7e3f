/**
 * Finds `/moderator <command> ...` lines in a comment. Pure.
 * - case-insensitive, tolerant of leading spaces and of `@`/`/` spelling (`/Moderator RUN`);
 * - blind to fenced code blocks (``` and ~~~), indented code, quotes (`>`) and inline code;
 * - one command per line; every matching line is returned in order.
 */
export const COMMANDS = ["run", "retry", "cancel", "status", "review", "improve", "fix", "explain", "dismiss", "learnings", "pick", "help"] as const;
export type CommandName = (typeof COMMANDS)[number];

export type ParsedCommand =
  | { ok: true; name: CommandName; args: string; flags: Record<string, string>; line: number }
  | { ok: false; error: string; line: number; raw: string };

const TRIGGER = /^\s{0,3}\/moderator(?:\s+|$)(.*)$/i;

export function parseCommands(body: string): ParsedCommand[] {
  const results: ParsedCommand[] = [];
  let fence: string | null = null;
  const lines = body.replace(/\r\n?/g, "\n").split("\n");
  lines.forEach((raw, i) => {
    const fenceMatch = /^\s{0,3}(`{3,}|~{3,})/.exec(raw);
    if (fenceMatch) {
      const marker = fenceMatch[1] ?? "";
      if (fence === null) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = null;
      return;
    }
    if (fence !== null) return;
    if (/^ {4,}|^\t/.test(raw)) return; // indented code
    if (/^\s*>/.test(raw)) return; // quote
    const stripped = raw.replace(/`[^`]*`/g, " "); // inline code cannot carry a command
    const m = TRIGGER.exec(stripped);
    if (!m) return;
    const rest = (m[1] ?? "").trim();
    const [word = "", ...tail] = rest.split(/\s+/);
    const name = word.toLowerCase();
    if (name === "") {
      results.push({ ok: false, error: "no command given", line: i + 1, raw: raw.trim() });
      return;
    }
    if (!(COMMANDS as readonly string[]).includes(name)) {
      results.push({ ok: false, error: `unknown command '${word}'`, line: i + 1, raw: raw.trim() });
      return;
    }
    const flags: Record<string, string> = {};
    const args: string[] = [];
    for (let k = 0; k < tail.length; k++) {
      const t = tail[k] ?? "";
      const flag = /^--([a-z][a-z-]*)(?:=(.*))?$/i.exec(t);
      if (!flag) {
        args.push(t);
        continue;
      }
      const key = (flag[1] ?? "").toLowerCase();
      if (flag[2] !== undefined) flags[key] = flag[2];
      else if (k + 1 < tail.length && !(tail[k + 1] ?? "").startsWith("--")) flags[key] = tail[++k] ?? "";
      else {
        results.push({ ok: false, error: `flag --${key} needs a value`, line: i + 1, raw: raw.trim() });
        return;
      }
    }
    results.push({ ok: true, name: name as CommandName, args: args.join(" "), flags, line: i + 1 });
  });
  return results;
}
