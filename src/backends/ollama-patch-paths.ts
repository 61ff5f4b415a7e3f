export type PatchPaths = { ok: true; paths: string[]; strip: 0 | 1 } | { ok: false; error: string };

const C_ESCAPES: Record<string, string> = { n: "\n", t: "\t", '"': '"', "\\": "\\", a: "\x07", b: "\b", f: "\f", r: "\r", v: "\v" };

/** A path as git writes it in a header: plain up to a tab, or C-quoted ("a/sp ace\t.txt"). */
function readHeaderPath(rest: string): string {
  const text = rest.replace(/\r$/, "");
  if (!text.startsWith('"')) return text.split("\t")[0]!.trimEnd();
  let out = "";
  let octal: number[] = [];
  const flushOctal = (): void => {
    if (octal.length > 0) out += Buffer.from(octal).toString("utf8");
    octal = [];
  };
  for (let i = 1; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') break;
    if (ch === "\\") {
      const next = text[i + 1] ?? "";
      if (/[0-7]/.test(next)) {
        octal.push(parseInt(text.slice(i + 1, i + 4), 8));
        i += 3;
        continue;
      }
      flushOctal();
      out += C_ESCAPES[next] ?? next;
      i++;
      continue;
    }
    flushOctal();
    out += ch;
  }
  flushOctal();
  return out;
}

/**
 * Every file a unified diff touches, and the -p level to apply it with. Pure. `--- `/`+++ ` lines count as
 * headers only as a pair (a removed line "-- x" inside a hunk is not a header); `rename from/to` and
 * `copy from/to` lines count too. Paths are returned without their a/ b/ prefix; /dev/null is skipped.
 * The strip level is 1 when every ---/+++ path has an a/ or b/ prefix (or the diff has only `diff --git`
 * headers), else 0 (a diff written as `--- src/x.ts`).
 */
export function readPatchPaths(patch: string): PatchPaths {
  const lines = patch.split("\n");
  const headerPaths: string[] = [];
  const extraPaths: string[] = [];
  let sawDiffGit = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("diff --git ")) sawDiffGit = true;
    if (line.startsWith("--- ") && (lines[i + 1] ?? "").startsWith("+++ ")) {
      headerPaths.push(readHeaderPath(line.slice(4)), readHeaderPath(lines[i + 1]!.slice(4)));
      i++;
      continue;
    }
    const extra = /^(?:rename|copy) (?:from|to) (.+)$/.exec(line);
    if (extra) extraPaths.push(readHeaderPath(extra[1]!));
  }
  const named = headerPaths.filter((p) => p !== "/dev/null");
  if (named.length === 0 && extraPaths.length === 0) {
    return sawDiffGit
      ? { ok: false, error: "the patch names no files: a `diff --git` header without ---/+++ lines or rename lines" }
      : { ok: false, error: "the patch has no file headers; send a unified diff with `--- a/<path>` and `+++ b/<path>` lines before each file's @@ hunks" };
  }
  const prefixed = named.length > 0 ? named.every((p) => p.startsWith("a/") || p.startsWith("b/")) : sawDiffGit;
  const strip: 0 | 1 = prefixed ? 1 : 0;
  const paths = [...named.map((p) => (strip === 1 ? p.slice(2) : p)), ...extraPaths];
  return { ok: true, paths: [...new Set(paths)], strip };
}
