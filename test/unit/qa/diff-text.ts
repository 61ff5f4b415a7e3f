/**
 * Builders for unified diff text in git's format, for analyzer tests (the parser itself is tested on
 * real `git diff` output in test/fixtures/diffs).
 */

/** A new file whose lines are all added. */
export function newFileDiff(path: string, lines: string[]): string {
  return [
    `diff --git a/${path} b/${path}`,
    "new file mode 100644",
    "index 0000000..1111111",
    "--- /dev/null",
    `+++ b/${path}`,
    `@@ -0,0 +1,${lines.length} @@`,
    ...lines.map((l) => `+${l}`),
    "",
  ].join("\n");
}

/**
 * A modified file with one hunk starting at new line `newStart`. `body` lines are prefixed like git's:
 * " " context, "+" added, "-" deleted.
 */
export function hunkDiff(path: string, newStart: number, body: string[]): string {
  const oldLines = body.filter((l) => !l.startsWith("+")).length;
  const newLines = body.filter((l) => !l.startsWith("-")).length;
  return [
    `diff --git a/${path} b/${path}`,
    "index 1111111..2222222 100644",
    `--- a/${path}`,
    `+++ b/${path}`,
    `@@ -${newStart},${oldLines} +${newStart},${newLines} @@`,
    ...body,
    "",
  ].join("\n");
}

/** A deleted file. */
export function deletedFileDiff(path: string, lines: string[]): string {
  return [
    `diff --git a/${path} b/${path}`,
    "deleted file mode 100644",
    "index 1111111..0000000",
    `--- a/${path}`,
    "+++ /dev/null",
    `@@ -1,${lines.length} +0,0 @@`,
    ...lines.map((l) => `-${l}`),
    "",
  ].join("\n");
}

/** A binary file as `git diff` (without --binary) prints it. */
export function binaryDiff(path: string, status: "added" | "modified"): string {
  return [
    `diff --git a/${path} b/${path}`,
    ...(status === "added" ? ["new file mode 100644", "index 0000000..3333333"] : ["index 1111111..3333333 100644"]),
    `Binary files ${status === "added" ? "/dev/null" : `a/${path}`} and b/${path} differ`,
    "",
  ].join("\n");
}
