import { lstatSync, readFileSync } from "node:fs";
import { lstat, mkdir, readFile, realpath, rm } from "node:fs/promises";
import path from "node:path";
import type { ConnectionAttempt, NetworkAccess, ProcessRunner, RunResult } from "../sandbox/process-runner.ts";
import { CancelledError } from "../util/errors.ts";
import { redactSecrets } from "../util/redact.ts";
import type { CommandRun } from "./build-check-run.ts";
import type { Finding } from "./finding.ts";
import { truncate } from "./format.ts";
import { parseSarif } from "./parse-sarif.ts";
import type { DiffFile } from "./parse-diff.ts";

/** One entry of `qa.sarif` in .github/moderator.yml. */
export interface SarifScanner {
  name: string;
  /** Shell text, run as `sh -c <run>` in the clone; prints SARIF 2.1 on stdout, or writes it to `output`. */
  run: string;
  /** A file (relative to the clone, or inside the scratch folder) the scanner writes its SARIF to. */
  output?: string | undefined;
  timeoutSeconds?: number | undefined;
  /** Keep only results on lines the change added (default true); false keeps any line of a changed file. */
  onlyChangedLines?: boolean | undefined;
}

export interface RunSarifScannersOptions {
  scanners: SarifScanner[];
  /** The clone; scanners run there. */
  cwd: string;
  /** A private folder outside the clone (writable; HOME is created in it). */
  scratchDir: string;
  defaultTimeoutMs: number;
  signal?: AbortSignal;
  knownSecrets?: readonly string[];
  /** The change. Findings are kept only in its (not deleted) files; omit to keep everything (a full scan). */
  changedFiles?: DiffFile[];
  /** Bytes of stdout kept per scanner (SARIF can be big). Default 32 MiB. */
  maxOutputBytes?: number;
  /** Network inside the sandbox (e.g. semgrep fetching a registry ruleset). Default false. */
  network?: NetworkAccess;
  /** Each connection attempt through the egress proxy, with the scanner's name. */
  onConnection?: (attempt: ConnectionAttempt & { command: string }) => void;
  /** Extra environment (merged over PATH, HOME, LANG, CI). Never pass credentials. */
  env?: Record<string, string>;
}

export interface SarifScannerRun extends CommandRun {
  /** Findings the scanner reported (after de-duplication), and how many were kept. */
  reported: number;
  kept: number;
  /** Dropped because their file is not part of the change (or they have no file). */
  outsideChange: number;
  /** Dropped because they are on lines the change did not add (onlyChangedLines). */
  outsideChangedLines: number;
  /** What went wrong, when no usable SARIF came out (then `reported` is 0). */
  error?: string;
  /** Problems parseSarif reported for usable output (odd results, tool notifications). */
  problems: string[];
}

export interface RunSarifScannersResult {
  findings: Finding[];
  runs: SarifScannerRun[];
  /** One line per scanner that produced nothing usable (timed out, no or invalid SARIF): QA is incomplete (`qaError`). */
  problems: string[];
  /** What parseSarif reported about usable output (odd results, tool notifications, unplaced paths): worth showing, not a failure. */
  notes: string[];
}

const DEFAULT_MAX_OUTPUT_BYTES = 32 * 1024 * 1024;
const MAX_SARIF_FILE_BYTES = 64 * 1024 * 1024;
const MAX_SOURCE_FILE_BYTES = 2 * 1024 * 1024;
const BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const STDERR_TAIL_LINES = 8;

/**
 * Run the repository's SARIF scanners (`qa.sarif`) in the sandbox and turn their SARIF into findings. A scanner's
 * exit code does not matter (linters exit non-zero when they find something); what matters is valid SARIF on stdout
 * or in its `output` file. Findings are kept only for files in the change and, unless the scanner says
 * `onlyChangedLines: false`, only on added lines; file-level results in a changed file are kept. A scanner that
 * times out or prints no valid SARIF is reported in `problems` (and `runs[i].error`), never thrown; remarks about
 * usable SARIF go to `notes`.
 * Throws CancelledError when `signal` aborts.
 */
export async function runSarifScanners(runner: ProcessRunner, opts: RunSarifScannersOptions): Promise<RunSarifScannersResult> {
  const runs: SarifScannerRun[] = [];
  const problems: string[] = [];
  const notes: string[] = [];
  const findings = new Map<string, Finding>();
  if (opts.scanners.length === 0) return { findings: [], runs, problems, notes };
  const home = path.join(opts.scratchDir, "sarif-home");
  await mkdir(home, { recursive: true });
  const env: Record<string, string> = { PATH: BASE_PATH, HOME: home, LANG: "C.UTF-8", CI: "true", ...(opts.env ?? {}) };
  const secrets = [...(opts.knownSecrets ?? [])];
  const cwdReal = await realpath(opts.cwd).catch(() => opts.cwd);
  const scratchReal = await realpath(opts.scratchDir).catch(() => opts.scratchDir);
  const repoRoots = [...new Set([opts.cwd, cwdReal].map((p) => path.resolve(p)))];
  const changed = opts.changedFiles ? changeIndex(opts.changedFiles) : undefined;
  const getFileText = sourceReader(opts.cwd, changed);

  for (const scanner of opts.scanners) {
    const command = ["sh", "-c", scanner.run];
    const base = { name: scanner.name, command, exitCode: null as number | null, timedOut: false, durationMs: 0 };
    const fail = (error: string, extra: Partial<SarifScannerRun> = {}): void => {
      const message = redactSecrets(error, secrets);
      runs.push({ ...base, ...extra, reported: 0, kept: 0, outsideChange: 0, outsideChangedLines: 0, error: message, problems: [] });
      problems.push(`scanner \`${scanner.name}\`: ${message}`);
    };

    const outputFile = scanner.output !== undefined ? resolveOutput(scanner.output, opts.cwd, opts.scratchDir) : undefined;
    if (outputFile !== undefined && "error" in outputFile) {
      fail(outputFile.error);
      continue;
    }
    const existedBefore = outputFile ? await lstat(outputFile.path).then(() => true, () => false) : false;

    let r: RunResult;
    try {
      r = await runner.run({
        command,
        cwd: opts.cwd,
        env,
        timeoutMs: scanner.timeoutSeconds !== undefined ? scanner.timeoutSeconds * 1000 : opts.defaultTimeoutMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
        maxOutputBytes: opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
        writablePaths: [opts.scratchDir],
        network: opts.network ?? false,
        ...(opts.onConnection ? { onConnection: (a: ConnectionAttempt) => opts.onConnection?.({ ...a, command: scanner.name }) } : {}),
      });
    } catch (err) {
      fail(`could not be started: ${(err as Error).message}`);
      continue;
    }
    if (r.cancelled || opts.signal?.aborted) throw new CancelledError(`the run was cancelled while scanner ${scanner.name} ran`);
    const ran = { exitCode: r.exitCode, timedOut: r.timedOut, durationMs: r.durationMs };
    const stderrTail = tail(redactSecrets(r.stderr, secrets), STDERR_TAIL_LINES);
    const withStderr = (text: string): string => (stderrTail ? `${text}; its stderr ends with:\n${stderrTail}` : text);

    let sarifText: string;
    try {
      if (r.timedOut) {
        fail(withStderr(`timed out after ${Math.round(r.durationMs / 1000)} s`), ran);
        continue;
      }
      if (outputFile) {
        const read = await readOutputFile(outputFile.path, [cwdReal, scratchReal]);
        if ("error" in read) {
          fail(withStderr(`${read.error} (exit code ${String(r.exitCode)})`), ran);
          continue;
        }
        sarifText = read.text;
      } else {
        sarifText = r.stdout;
      }
    } finally {
      if (outputFile && !existedBefore) await rm(outputFile.path, { force: true }).catch(() => undefined);
    }
    if (sarifText.trim() === "") {
      fail(withStderr(`printed no SARIF${outputFile ? ` to ${scanner.output}` : " on stdout"} (exit code ${String(r.exitCode)})`), ran);
      continue;
    }

    const parsed = parseSarif(sarifText, { tool: slug(scanner.name), repoRoot: repoRoots, getFileText });
    const unusable = parsed.findings.length === 0 && parsed.problems.some((p) => p.startsWith("the output is not valid JSON") || p.startsWith("not a SARIF log"));
    if (unusable) {
      const cut = !outputFile && r.truncated ? `; its output passed the ${opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES}-byte limit and was cut, so write the SARIF to a file named by \`output:\`` : "";
      fail(withStderr(`${parsed.problems[0]!} (exit code ${String(r.exitCode)})${cut}`), ran);
      continue;
    }
    let outsideChange = 0;
    let outsideChangedLines = 0;
    let kept = 0;
    const onlyChangedLines = scanner.onlyChangedLines ?? true;
    for (const finding of parsed.findings) {
      if (changed) {
        const file = finding.path !== undefined ? changed.get(finding.path) : undefined;
        if (!file) {
          outsideChange++;
          continue;
        }
        if (onlyChangedLines && finding.line !== undefined && !touchesAdded(file, finding.line, finding.endLine ?? finding.line)) {
          outsideChangedLines++;
          continue;
        }
      }
      kept++;
      const safe = redactFinding(finding, secrets);
      if (!findings.has(safe.fingerprint)) findings.set(safe.fingerprint, safe);
    }
    const scannerProblems = parsed.problems.map((p) => redactSecrets(p, secrets));
    notes.push(...scannerProblems.map((p) => `scanner \`${scanner.name}\`: ${p}`));
    runs.push({ ...base, ...ran, reported: parsed.findings.length, kept, outsideChange, outsideChangedLines, problems: scannerProblems });
  }
  return { findings: [...findings.values()], runs, problems, notes };
}

/** Added line numbers of every changed (not deleted) file. */
function changeIndex(files: DiffFile[]): Map<string, Set<number>> {
  const index = new Map<string, Set<number>>();
  for (const file of files) {
    if (file.status === "deleted") continue;
    const added = index.get(file.path) ?? new Set<number>();
    for (const hunk of file.hunks) for (const line of hunk.lines) if (line.kind === "add" && line.newLine !== undefined) added.add(line.newLine);
    index.set(file.path, added);
  }
  return index;
}

function touchesAdded(added: Set<number>, line: number, endLine: number): boolean {
  for (let n = line; n <= Math.max(line, endLine) && n - line < 10_000; n++) if (added.has(n)) return true;
  return false;
}

/** Text of a changed regular file (no symlinks: the agent could point one anywhere), for placing fixes. */
function sourceReader(cwd: string, changed: Map<string, Set<number>> | undefined): (p: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (relative) => {
    if (cache.has(relative)) return cache.get(relative);
    let text: string | undefined;
    const absolute = path.resolve(cwd, relative);
    if ((!changed || changed.has(relative)) && isInside(absolute, cwd)) {
      try {
        const st = lstatSync(absolute);
        if (st.isFile() && st.size <= MAX_SOURCE_FILE_BYTES) text = readFileSync(absolute, "utf8");
      } catch {
        text = undefined;
      }
    }
    cache.set(relative, text);
    return text;
  };
}

function resolveOutput(output: string, cwd: string, scratchDir: string): { path: string } | { error: string } {
  const resolved = path.resolve(cwd, output);
  if (isInside(resolved, cwd) || isInside(resolved, scratchDir)) return { path: resolved };
  return { error: `output "${output}" must be a file inside the repository or the scratch folder` };
}

async function readOutputFile(file: string, allowedRoots: string[]): Promise<{ text: string } | { error: string }> {
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    return { error: `wrote no SARIF file at ${file}` };
  }
  if (!allowedRoots.some((root) => isInside(real, root))) return { error: `its output file resolves outside the repository (${real})` };
  const st = await lstat(real);
  if (!st.isFile()) return { error: `its output ${file} is not a regular file` };
  if (st.size > MAX_SARIF_FILE_BYTES) return { error: `its output file is ${st.size} bytes, over the ${MAX_SARIF_FILE_BYTES}-byte limit` };
  return { text: await readFile(real, "utf8") };
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

function redactFinding(finding: Finding, secrets: string[]): Finding {
  if (secrets.length === 0) return finding;
  const out: Finding = { ...finding, title: redactSecrets(finding.title, secrets), message: redactSecrets(finding.message, secrets) };
  if (finding.suggestion !== undefined) out.suggestion = redactSecrets(finding.suggestion, secrets);
  if (finding.replacement !== undefined) out.replacement = redactSecrets(finding.replacement, secrets);
  return out;
}

function tail(text: string, lines: number): string {
  return text
    .replace(/\r\n/g, "\n")
    .trimEnd()
    .split("\n")
    .slice(-lines)
    .map((l) => truncate(l, 300))
    .join("\n");
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "scanner";
}
