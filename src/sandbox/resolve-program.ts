import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import path from "node:path";

async function isExecutableFile(p: string): Promise<boolean> {
  try {
    const st = await stat(p);
    if (!st.isFile()) return false;
    await access(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where `program` would be started from: a name with a slash is taken relative to `cwd`, a bare name
 * is looked up in `pathVar` (like execvp). Returns the absolute path, or throws an Error that names the
 * program and the directories searched.
 */
export async function resolveProgram(program: string, pathVar: string, cwd: string): Promise<string> {
  if (program.length === 0) throw new Error("cannot run an empty program name");
  if (program.includes("/")) {
    const abs = path.resolve(cwd, program);
    try {
      await stat(abs);
    } catch {
      throw new Error(`cannot run "${program}": ${abs} does not exist (ENOENT)`);
    }
    if (!(await isExecutableFile(abs))) throw new Error(`cannot run "${program}": ${abs} is not an executable file (EACCES)`);
    return abs;
  }
  const dirs = pathVar.split(":").map((d) => (d === "" ? "." : d));
  for (const dir of dirs) {
    const candidate = path.resolve(cwd, dir, program);
    if (await isExecutableFile(candidate)) return candidate;
  }
  throw new Error(`cannot run "${program}": not found on PATH (${pathVar || "empty"}) (ENOENT)`);
}
