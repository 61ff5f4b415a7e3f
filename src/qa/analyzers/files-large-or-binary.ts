import type { Analyzer, AnalyzerInput } from "../analyzer.ts";
import { createFinding } from "../create-finding.ts";
import type { Finding } from "../finding.ts";
import { detectMinified } from "../detect-minified.ts";
import { addedText } from "../file-text.ts";

const RULE = "files/large-or-binary";
/** Files over this many bytes are flagged (1 MiB). */
export const LARGE_FILE_BYTES = 1024 * 1024;
/** Added lines longer than this look minified or generated. */
export const LONG_LINE_CHARS = 5000;

const formatBytes = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;

export const filesLargeOrBinary: Analyzer = {
  id: RULE,
  doc: "Added or modified binary files, files over 1 MiB, minified files (.min.* names, or mostly long lines with little whitespace) and added lines over 5000 characters (generated code).",
  analyze(input: AnalyzerInput): Finding[] {
    const findings: Finding[] = [];
    for (const file of input.files) {
      if (file.status === "deleted") continue;
      const changed = file.status === "added" || file.status === "modified";
      if (file.binary && changed) {
        findings.push(
          createFinding({
            ruleId: RULE,
            severity: "medium",
            confidence: 0.9,
            path: file.path,
            title: `Binary file ${file.status === "added" ? "added" : "changed"}`,
            message:
              `\`${file.path}\` is a binary file. Reviewers cannot read it in the diff, and every version ` +
              "stays in the repository's history forever.",
            suggestion:
              "Check that it belongs in the repository; large assets usually belong in Git LFS, a release artifact or a package registry.",
            trigger: "binary",
          }),
        );
      }
      const size = input.fileSizes[file.path];
      if (typeof size === "number" && Number.isFinite(size) && size > LARGE_FILE_BYTES) {
        findings.push(
          createFinding({
            ruleId: RULE,
            severity: "medium",
            confidence: 1,
            path: file.path,
            title: `Large file (${formatBytes(size)})`,
            message: `\`${file.path}\` is ${formatBytes(size)}, over the ${formatBytes(LARGE_FILE_BYTES)} limit. Large files slow every clone.`,
            suggestion: "Generate it at build time, store it in Git LFS, or fetch it when needed instead of committing it.",
            trigger: "large",
          }),
        );
      }
      if (file.binary) continue;
      const long = addedText(file).lines.filter((l) => l.text.length > LONG_LINE_CHARS);
      const first = long[0];
      if (first) {
        const longest = Math.max(...long.map((l) => l.text.length));
        findings.push(
          createFinding({
            ruleId: RULE,
            severity: "medium",
            confidence: 0.8,
            path: file.path,
            line: first.newLine,
            title: "Minified or generated content",
            message:
              `${long.length} added line${long.length === 1 ? "" : "s"} in \`${file.path}\` ` +
              `${long.length === 1 ? "is" : "are"} over ${LONG_LINE_CHARS} characters (longest: ${longest}). ` +
              "That looks minified or generated, and cannot be reviewed.",
            suggestion: "Commit the source and generate this file in the build, or mark it as generated (.gitattributes linguist-generated).",
            trigger: "long-lines",
          }),
        );
        continue;
      }
      // A new minified file; edits to an existing one are files/generated-edited's.
      const minified = file.status === "added" ? detectMinified(file) : { minified: false };
      if (minified.minified) {
        findings.push(
          createFinding({
            ruleId: RULE,
            severity: "medium",
            confidence: 0.8,
            path: file.path,
            ...(minified.firstLine !== undefined ? { line: minified.firstLine } : {}),
            title: "Minified file",
            message: `\`${file.path}\` is minified (${minified.reason}). Nobody can review it, and its source is not in the change.`,
            suggestion:
              "Commit the source and build this file, install it as a dependency, or mark it as vendored (.gitattributes linguist-vendored) if it must be committed.",
            trigger: "minified",
          }),
        );
      }
    }
    return findings;
  },
};
