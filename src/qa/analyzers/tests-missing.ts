import type { Analyzer, AnalyzerInput } from "../analyzer.ts";
import { classifyPath, EXAMPLE_SCRIPT_NAME, shebangLanguage } from "../classify-path.ts";
import { createFinding } from "../create-finding.ts";
import type { Finding } from "../finding.ts";
import { addedText } from "../file-text.ts";
import type { DiffFile } from "../parse-diff.ts";
import { isGeneratedFile } from "./files-generated-edited.ts";

const RULE = "tests/missing";
const EXAMPLE_PATH = /(?:^|\/)(?:examples?|demos?|samples?)\//i;
const LISTED = 20;
/** Inline Rust unit tests live in the source file itself. */
const INLINE_TEST_MARKER = /#\[(?:cfg\(test\)|test|tokio::test)\]/;

export const testsMissing: Analyzer = {
  id: RULE,
  doc: "Source files gained code but no test file was added or changed in the same diff.",
  analyze(input: AnalyzerInput): Finding[] {
    const sources: string[] = [];
    let testsChanged = false;
    for (const file of input.files) {
      const info = classifyPath(file.path);
      if (info.isTest && file.status !== "deleted") {
        testsChanged = true;
        continue;
      }
      if (file.status === "deleted" || file.binary) continue;
      if (!info.isSource && !(info.ext === "" && hasShebang(file))) continue;
      if (/(^|\/)[^/]+\.config\.[^/]+$/.test(file.path)) continue;
      // Examples and demos are scripts that show the code, not code that owes tests.
      if (EXAMPLE_PATH.test(file.path) || EXAMPLE_SCRIPT_NAME.test(file.path)) continue;
      // Vendored, installed, generated and built files are not where tests are owed (files/generated-edited covers edits there).
      if (isGeneratedFile(file, input.fileHeads)) continue;
      // One search of the file's joined added text each (the marker holds no line break; the joins are whitespace).
      const added = addedText(file).text;
      if (INLINE_TEST_MARKER.test(added)) {
        testsChanged = true;
        continue;
      }
      if (/\S/.test(added)) sources.push(file.path);
    }
    if (testsChanged || sources.length === 0) return [];
    const listed = sources.slice(0, LISTED).map((p) => `- \`${p}\``);
    if (sources.length > LISTED) listed.push(`- … and ${sources.length - LISTED} more`);
    return [
      createFinding({
        ruleId: RULE,
        severity: "medium",
        confidence: 0.7,
        title: `${sources.length} source file${sources.length === 1 ? "" : "s"} changed without tests`,
        message: `This change adds code to these files but adds or changes no test:\n${listed.join("\n")}`,
        suggestion: "Add or update tests that exercise the new behaviour, so a regression fails CI.",
        trigger: "source changed without tests",
      }),
    ];
  },
};

/** An extension-less file whose first line names an interpreter (`#!/usr/bin/env node`): a script, so source. */
function hasShebang(file: DiffFile): boolean {
  const first = file.hunks[0]?.lines.find((l) => l.newLine === 1);
  return first !== undefined && first.kind !== "del" && shebangLanguage(first.text) !== undefined;
}
