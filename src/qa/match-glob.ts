/**
 * Path globs for `ignorePaths` (gitignore-like, matched against repo-relative paths):
 * `*` any characters but "/", `?` one such character, `**` any number of directories,
 * `[abc]`/`[!abc]` character classes, `{a,b}` alternatives. A pattern without "/" matches a
 * file or directory name at any depth ("dist", "*.min.js"); a leading "/" anchors it to the root;
 * a pattern that matches a directory also matches everything below it ("vendor/", "docs/generated").
 */
export function matchGlob(path: string, pattern: string): boolean {
  const regex = globToRegExp(pattern);
  if (!regex) return false;
  const clean = path.replace(/^(\.\/)+/, "").replace(/^\/+/, "");
  const parts = clean.split("/");
  for (let i = parts.length; i > 0; i--) {
    if (regex.test(parts.slice(0, i).join("/"))) return true;
  }
  return false;
}

function globToRegExp(pattern: string): RegExp | undefined {
  let p = pattern.trim().replace(/^(\.\/)+/, "");
  if (p === "" || p === "/") return undefined;
  const anchored = p.startsWith("/");
  p = p.replace(/^\/+/, "").replace(/\/+$/, "");
  if (p === "") return undefined;
  if (!anchored && !p.includes("/")) p = `**/${p}`;
  let out = "";
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === "*") {
      if (p[i + 1] === "*") {
        const atStart = i === 0 || p[i - 1] === "/";
        const slashAfter = p[i + 2] === "/";
        i++;
        if (atStart && slashAfter) {
          out += "(?:.*/)?";
          i++;
        } else {
          out += ".*";
        }
      } else {
        out += "[^/]*";
      }
    } else if (ch === "?") {
      out += "[^/]";
    } else if (ch === "[") {
      const end = p.indexOf("]", i + 2);
      if (end < 0) {
        out += "\\[";
        continue;
      }
      let body = p.slice(i + 1, end);
      if (body.startsWith("!")) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else if (ch === "{") {
      const end = p.indexOf("}", i);
      if (end < 0) {
        out += "\\{";
        continue;
      }
      const options = p.slice(i + 1, end).split(",").map((o) => o.replace(/[.+^$()|\\[\]{}]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]"));
      out += `(?:${options.join("|")})`;
      i = end;
    } else {
      out += ch.replace(/[.+^$()|\\\]}]/g, "\\$&");
    }
  }
  try {
    return new RegExp(`^${out}$`);
  } catch {
    return undefined;
  }
}
