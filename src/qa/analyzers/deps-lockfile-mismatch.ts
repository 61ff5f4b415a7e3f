import type { Analyzer, AnalyzerInput } from "../analyzer.ts";
import { createFinding } from "../create-finding.ts";
import type { Finding } from "../finding.ts";
import type { DiffFile, DiffLine, Hunk } from "../parse-diff.ts";

const RULE = "deps/lockfile-mismatch";

type ManifestFormat = "json" | "toml" | "gomod" | "gemfile";

interface Ecosystem {
  name: string;
  /** Manifest file names (base names). */
  manifests: string[];
  format: ManifestFormat;
  /** Lockfile base name -> the command that regenerates it. */
  lockfiles: Record<string, string>;
  /** Whether a lockfile in an ancestor directory governs the manifest (npm/yarn/pnpm workspaces, Cargo and uv workspaces). */
  workspaces: boolean;
  /** Keys/tables whose content is resolved into the lockfile. */
  sections: RegExp;
}

const ECOSYSTEMS: Ecosystem[] = [
  {
    name: "npm",
    manifests: ["package.json"],
    format: "json",
    lockfiles: {
      "package-lock.json": "npm install",
      "npm-shrinkwrap.json": "npm install",
      "yarn.lock": "yarn install",
      "pnpm-lock.yaml": "pnpm install",
      "bun.lock": "bun install",
      "bun.lockb": "bun install",
    },
    workspaces: true,
    sections:
      /^(?:dependencies|devDependencies|peerDependencies|optionalDependencies|bundleDependencies|bundledDependencies|overrides|resolutions|workspaces|pnpm)$/,
  },
  {
    name: "Composer",
    manifests: ["composer.json"],
    format: "json",
    lockfiles: { "composer.lock": "composer update --lock" },
    workspaces: false,
    sections: /^(?:require|require-dev|replace|provide|conflict|repositories)$/,
  },
  {
    name: "Python",
    manifests: ["pyproject.toml"],
    format: "toml",
    lockfiles: { "poetry.lock": "poetry lock", "uv.lock": "uv lock", "pdm.lock": "pdm lock" },
    workspaces: true,
    sections:
      /^(?:project\.dependencies|project\.optional-dependencies|dependency-groups|tool\.poetry\.(?:dependencies|dev-dependencies|group\.[^.]+\.dependencies|source)|tool\.uv\.(?:sources|workspace|dev-dependencies)|tool\.pdm\.dev-dependencies)(?:\..*)?$/,
  },
  {
    name: "Pipenv",
    manifests: ["Pipfile"],
    format: "toml",
    lockfiles: { "Pipfile.lock": "pipenv lock" },
    workspaces: false,
    sections: /^(?:packages|dev-packages|source|requires)(?:\..*)?$/,
  },
  {
    name: "Cargo",
    manifests: ["Cargo.toml"],
    format: "toml",
    lockfiles: { "Cargo.lock": "cargo update --workspace" },
    workspaces: true,
    sections: /(?:^|\.)(?:dependencies|dev-dependencies|build-dependencies)(?:\.|$)|^(?:patch(?:\..+)?|replace(?:\..+)?|workspace\.members)$/,
  },
  {
    name: "Go",
    manifests: ["go.mod"],
    format: "gomod",
    lockfiles: { "go.sum": "go mod tidy" },
    workspaces: false,
    sections: /^(?:require|replace|exclude|retract)$/,
  },
  {
    name: "Bundler",
    manifests: ["Gemfile", "gems.rb"],
    format: "gemfile",
    lockfiles: { "Gemfile.lock": "bundle install", "gems.locked": "bundle install" },
    workspaces: false,
    sections: /^(?:gem|source|gemspec|git_source|path|git|platforms?)$/,
  },
];

const baseName = (path: string): string => path.slice(path.lastIndexOf("/") + 1);
const dirName = (path: string): string => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "");
const inDir = (dir: string, name: string): string => (dir ? `${dir}/${name}` : name);
/** Whether `path` is inside `dir` ("" is the root) at any depth. */
const isUnder = (path: string, dir: string): boolean => dir === "" || path.startsWith(`${dir}/`);

export const depsLockfileMismatch: Analyzer = {
  id: RULE,
  doc: "A lockfile changed without its manifest (package.json, pyproject.toml, Cargo.toml, go.mod, Gemfile, composer.json), or a manifest's dependencies changed without the lockfile the repository keeps.",
  analyze(input: AnalyzerInput): Finding[] {
    const findings: Finding[] = [];
    const changed = new Map(input.files.map((f) => [f.path, f]));
    const manifestNames = new Set(ECOSYSTEMS.flatMap((e) => e.manifests));
    const changedManifests = [...changed.keys()].filter((p) => manifestNames.has(baseName(p)));
    const repoFiles = input.repoFiles === undefined ? undefined : new Set([...input.repoFiles, ...changed.keys()]);

    for (const file of input.files) {
      if (file.binary && !file.path.endsWith(".lockb")) continue;
      const base = baseName(file.path);
      for (const eco of ECOSYSTEMS) {
        if (base in eco.lockfiles) findings.push(...checkLockfile(file, eco, changed, changedManifests, repoFiles));
        if (eco.manifests.includes(base)) {
          const finding = checkManifest(file, eco, changed, repoFiles, input.manifests?.[file.path]);
          if (finding) findings.push(finding);
        }
      }
    }
    return findings;
  },
};

/** A lockfile in the diff: its manifest (in its folder, or below it for workspaces) should be in the diff too. */
function checkLockfile(
  file: DiffFile,
  eco: Ecosystem,
  changed: Map<string, DiffFile>,
  changedManifests: string[],
  repoFiles: Set<string> | undefined,
): Finding[] {
  const dir = dirName(file.path);
  const base = baseName(file.path);
  const manifestNames = eco.manifests.join(" or ");
  const manifestChanged = changedManifests.some(
    (p) => eco.manifests.includes(baseName(p)) && (dirName(p) === dir || (eco.workspaces && isUnder(p, dir))),
  );
  const manifestPath = inDir(dir, eco.manifests[0]!);
  const command = eco.lockfiles[base]!;

  if (file.status === "added") {
    // A second lockfile for another tool in the same folder: two package managers now disagree.
    const others = Object.keys(eco.lockfiles).filter(
      (name) => name !== base && eco.lockfiles[name] !== command && (repoFiles?.has(inDir(dir, name)) ?? changed.has(inDir(dir, name))),
    );
    const other = others.find((name) => changed.get(inDir(dir, name))?.status !== "deleted");
    if (!other) return [];
    return [
      createFinding({
        ruleId: RULE,
        severity: "medium",
        confidence: 0.8,
        path: file.path,
        title: `Second lockfile \`${base}\` next to \`${other}\``,
        message:
          `This change adds \`${file.path}\` although the project already locks its dependencies in \`${inDir(dir, other)}\`. ` +
          "Two package managers' lockfiles drift apart, and CI installs from only one of them.",
        suggestion: `Remove \`${file.path}\` and install with the project's package manager (\`${eco.lockfiles[other]}\`).`,
        trigger: `second-lockfile\u0000${base}\u0000${other}`,
      }),
    ];
  }
  if (manifestChanged) return [];
  if (file.status === "deleted") {
    return [
      createFinding({
        ruleId: RULE,
        severity: "medium",
        confidence: 0.8,
        path: file.path,
        title: `Lockfile \`${base}\` deleted`,
        message:
          `This change deletes \`${file.path}\` but leaves ${manifestNames} alone. Without the lockfile every install ` +
          "resolves dependencies anew, so CI and production can get versions nobody tested.",
        suggestion: `Restore \`${file.path}\` (or regenerate it with \`${command}\`) unless dropping it is intended.`,
        trigger: `lockfile-deleted\u0000${base}`,
      }),
    ];
  }
  const first = firstChangedLine(file);
  return [
    createFinding({
      ruleId: RULE,
      severity: "medium",
      // go.sum and Cargo.lock legitimately gain entries from `go mod tidy` / `cargo build` alone.
      confidence: base === "go.sum" ? 0.4 : 0.6,
      path: file.path,
      ...(first !== undefined ? { line: first } : {}),
      title: `\`${base}\` changed without \`${baseName(manifestPath)}\``,
      message:
        `\`${file.path}\` changed but no ${manifestNames} ${eco.workspaces ? "in its folder or below" : "next to it"} did. ` +
        "Lockfile-only changes are usually an accidental re-resolution (a different tool version, a stray install) " +
        "that upgrades or downgrades dependencies nobody asked to change.",
      suggestion: `If no dependency change was intended, restore \`${file.path}\` from the base branch; otherwise make the change in ${manifestNames} and run \`${command}\`.`,
      trigger: `lockfile-only\u0000${base}`,
    }),
  ];
}

/** A manifest whose dependency sections changed: the lockfile the repository keeps should be in the diff too. */
function checkManifest(
  file: DiffFile,
  eco: Ecosystem,
  changed: Map<string, DiffFile>,
  repoFiles: Set<string> | undefined,
  fullText: string | undefined,
): Finding | undefined {
  if (file.status === "deleted") return undefined;
  const change = dependencyChange(file, eco, fullText);
  if (!change) return undefined;
  // The lockfiles that govern this manifest: in its folder, or in an ancestor folder for workspaces.
  const dirs: string[] = [];
  for (let dir = dirName(file.path); ; dir = dirName(dir)) {
    dirs.push(dir);
    if (!eco.workspaces || dir === "") break;
  }
  const candidates = dirs.flatMap((dir) => Object.keys(eco.lockfiles).map((name) => inDir(dir, name)));
  if (candidates.some((p) => changed.has(p))) return undefined;
  if (!repoFiles) return undefined;
  const lockfile = candidates.find((p) => repoFiles.has(p));
  if (!lockfile) return undefined;
  const command = eco.lockfiles[baseName(lockfile)]!;
  return createFinding({
    ruleId: RULE,
    severity: "medium",
    confidence: 0.8,
    path: file.path,
    ...(change.line !== undefined ? { line: change.line } : {}),
    title: `Dependencies changed without updating \`${baseName(lockfile)}\``,
    message:
      `\`${file.path}\` changes its dependencies (\`${change.text.trim().slice(0, 120).replaceAll("`", "'")}\`) ` +
      `but \`${lockfile}\` is not part of this change. A frozen install (\`npm ci\`, \`poetry install\`, ` +
      "`cargo build --locked`, `go mod verify`, `bundle install --frozen`) fails, or installs what the old lockfile says.",
    suggestion: `Run \`${command}\` and commit the updated \`${lockfile}\`.`,
    trigger: `manifest-only\u0000${baseName(lockfile)}\u0000${change.text.trim()}`,
  });
}

interface DependencyChange {
  /** New-version line of the first added dependency line (undefined when only deletions). */
  line?: number;
  text: string;
}

/**
 * The first real change to a dependency section: added and deleted lines inside those sections,
 * ignoring changes that only move or re-indent lines (the same entries deleted and added).
 */
function dependencyChange(file: DiffFile, eco: Ecosystem, fullText: string | undefined): DependencyChange | undefined {
  const fullLines = fullText?.split("\n");
  const added: Array<{ line: DiffLine; key: string }> = [];
  const deleted: Array<{ line: DiffLine; key: string }> = [];
  for (const hunk of file.hunks) {
    hunk.lines.forEach((line, index) => {
      if (line.kind === "context" || line.text.trim() === "") return;
      if (!inDependencySection(hunk, index, eco, fullLines)) return;
      const key = line.text.trim().replace(/,$/, "");
      (line.kind === "add" ? added : deleted).push({ line, key });
    });
  }
  const deletedKeys = new Map<string, number>();
  for (const d of deleted) deletedKeys.set(d.key, (deletedKeys.get(d.key) ?? 0) + 1);
  const addedKeys = new Map<string, number>();
  for (const a of added) addedKeys.set(a.key, (addedKeys.get(a.key) ?? 0) + 1);
  const realAdd = added.find((a) => {
    const n = deletedKeys.get(a.key) ?? 0;
    if (n > 0) {
      deletedKeys.set(a.key, n - 1);
      return false;
    }
    return true;
  });
  if (realAdd) return { line: realAdd.line.newLine!, text: realAdd.line.text };
  const realDel = deleted.find((d) => {
    const n = addedKeys.get(d.key) ?? 0;
    if (n > 0) {
      addedKeys.set(d.key, n - 1);
      return false;
    }
    return true;
  });
  return realDel ? { text: realDel.line.text } : undefined;
}

/** Whether the changed line `hunk.lines[index]` belongs to a dependency section of the manifest. */
function inDependencySection(hunk: Hunk, index: number, eco: Ecosystem, fullLines: string[] | undefined): boolean {
  const line = hunk.lines[index]!;
  // The lines of the same version before this one: context and same-kind lines of the hunk.
  const before: string[] = [];
  for (let k = 0; k < index; k++) {
    const l = hunk.lines[k]!;
    if (l.kind === "context" || l.kind === line.kind) before.push(l.text);
  }
  let section = sectionOf(eco.format, line.text, before);
  if (section === undefined && fullLines) {
    // Fall back to the full new text: the lines above this one (for a deleted line, above the nearest new-side line).
    const anchor = line.kind === "add" ? line.newLine! : nearestNewLine(hunk, index);
    if (anchor !== undefined) section = sectionOf(eco.format, line.text, fullLines.slice(0, anchor - 1));
  }
  if (section !== undefined) return section.some((s) => eco.sections.test(s));
  return looksLikeDependency(eco.format, line.text);
}

function nearestNewLine(hunk: Hunk, index: number): number | undefined {
  for (let k = index; k < hunk.lines.length; k++) if (hunk.lines[k]!.newLine !== undefined) return hunk.lines[k]!.newLine;
  return hunk.newStart + hunk.newLines;
}

/**
 * The chain of enclosing sections of `text` given the lines above it (nearest first), or undefined
 * when the lines above do not say. JSON: enclosing object keys (by indentation); TOML: the table header
 * (and, in [project], the open array's key); go.mod: the open block's directive; Gemfile: the statement.
 */
function sectionOf(format: ManifestFormat, text: string, above: string[]): string[] | undefined {
  if (format === "json") return jsonSection(text, above);
  if (format === "toml") return tomlSection(text, above);
  if (format === "gomod") {
    const own = /^\s*(require|replace|exclude|retract|module|go|toolchain|godebug)\b/.exec(text);
    if (own) return [own[1]!];
    for (let k = above.length - 1; k >= 0; k--) {
      const l = above[k]!;
      if (/^\s*\)\s*$/.test(l)) return ["(top)"];
      const block = /^\s*(require|replace|exclude|retract|godebug)\s*\(\s*$/.exec(l);
      if (block) return [block[1]!];
    }
    return undefined;
  }
  const statement = /^\s*([a-z_]+)\b/.exec(text)?.[1];
  return statement ? [statement] : ["(other)"];
}

const JSON_OPENER = /^\s*"([^"]+)"\s*:\s*[{[]/;

/** Enclosing object keys of a JSON line, found by indentation (nearest first); [] at the top level. */
function jsonSection(text: string, above: string[]): string[] | undefined {
  const own = JSON_OPENER.exec(text);
  const chain: string[] = own ? [own[1]!] : [];
  let indent = indentOf(text);
  let reachedRoot = indent === 0;
  for (let k = above.length - 1; k >= 0 && !reachedRoot; k--) {
    const l = above[k]!;
    if (l.trim() === "") continue;
    const ind = indentOf(l);
    if (ind >= indent) continue;
    const key = JSON_OPENER.exec(l);
    if (key) chain.push(key[1]!);
    indent = ind;
    if (ind === 0) reachedRoot = true;
  }
  return chain.length > 0 || reachedRoot ? chain : undefined;
}

/**
 * The TOML table of a line, plus `table.key` for the key it assigns or the multi-line array it sits in
 * (`project.dependencies` for a requirement string inside `dependencies = [ ... ]`).
 */
function tomlSection(text: string, above: string[]): string[] | undefined {
  const own = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$/.exec(text);
  if (own) return [normalizeTable(own[1]!)];
  let headerAt = -1;
  let table = "";
  for (let k = above.length - 1; k >= 0; k--) {
    const header = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$/.exec(above[k]!);
    if (header) {
      headerAt = k;
      table = normalizeTable(header[1]!);
      break;
    }
  }
  if (headerAt < 0) return undefined;
  let openKey: string | undefined;
  let depth = 0;
  for (const raw of above.slice(headerAt + 1)) {
    const l = raw.replace(/#.*$/, "");
    const balance = [...l].reduce((n, ch) => n + (ch === "[" ? 1 : ch === "]" ? -1 : 0), 0);
    const key = /^\s*([\w."-]+)\s*=\s*\[/.exec(l)?.[1];
    if (openKey === undefined) {
      if (key && balance > 0) {
        openKey = key.replace(/"/g, "");
        depth = balance;
      }
    } else {
      depth += balance;
      if (depth <= 0) openKey = undefined;
    }
  }
  const ownKey = /^\s*([\w."-]+)\s*=/.exec(text)?.[1]?.replace(/"/g, "");
  return [table, ...(openKey ? [`${table}.${openKey}`] : []), ...(ownKey ? [`${table}.${ownKey}`] : [])];
}

function normalizeTable(name: string): string {
  return name
    .split(".")
    .map((p) => p.trim().replace(/^["']|["']$/g, ""))
    .join(".");
}

function indentOf(text: string): number {
  return text.length - text.trimStart().length;
}

/** Without any section context: does the line itself look like a dependency entry? */
function looksLikeDependency(format: ManifestFormat, text: string): boolean {
  const version = String.raw`(?:[~^<>=*]|\d|latest|next|npm:|git[+:]|github:|file:|link:|workspace:|https?:)`;
  if (format === "json") return new RegExp(String.raw`^\s*"[@\w./-]+"\s*:\s*"${version}[^"]*"\s*,?\s*$`).test(text) && !/^\s*"version"\s*:/.test(text);
  if (format === "toml") {
    return (
      /^\s*[\w-]+\s*=\s*(?:"[~^<>=*\d][^"]*"|\{\s*(?:version|git|path|workspace)\s*=)/.test(text) ||
      /^\s*"[A-Za-z][\w.-]*\s*(?:\[[^\]]*\])?\s*(?:[<>=!~^][^"]*)?"\s*,?\s*$/.test(text)
    ) && !/^\s*(?:version|python|requires-python|edition|rust-version|name)\s*=/.test(text);
  }
  if (format === "gomod") return /^\s*[\w.-]+\.[\w./-]+\s+v\d/.test(text);
  return /^\s*gem\s+["']/.test(text);
}

/** New-version line of the first added line, else undefined. */
function firstChangedLine(file: DiffFile): number | undefined {
  for (const hunk of file.hunks) for (const l of hunk.lines) if (l.kind === "add" && l.newLine !== undefined) return l.newLine;
  return undefined;
}
