import { REPO_CONFIG_PATH } from "../config/repo-config.ts";

/** The comment that tells maintainers their .github/moderator.yml is invalid. Pure. */
export function renderConfigError(problems: string[], ref: string): string {
  const lines = [
    "### Moderator · ⚠️ Configuration problem",
    "",
    `\`${REPO_CONFIG_PATH}\` on \`${ref}\` is invalid, so nothing was run:`,
    "",
    ...problems.slice(0, 30).map((p) => {
      const i = p.indexOf(": ");
      return i > 0 ? `- \`${p.slice(0, i)}\`: ${p.slice(i + 2)}` : `- ${p}`;
    }),
  ];
  if (problems.length > 30) lines.push(`- ... and ${problems.length - 30} more`);
  lines.push("", "Fix the file on the default branch, then add the label (or comment `/moderator run`) again.");
  return lines.join("\n");
}
