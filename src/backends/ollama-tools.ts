import { mkdir, readdir, readFile, readlink, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { formatZodIssues } from "../config/format-zod-issues.ts";
import { fitToBudget } from "../llm/fit-to-budget.ts";
import type { LlmTool, LlmToolCall } from "../llm/llm.ts";
import { toJsonSchema } from "../llm/to-json-schema.ts";
import type { ProcessRunner } from "../sandbox/process-runner.ts";
import { readPatchPaths } from "./ollama-patch-paths.ts";
import { resolveInClone } from "./ollama-resolve-path.ts";

export interface OllamaToolContext {
  /** The clone's real path (no symlinks in it). */
  root: string;
  runner: ProcessRunner;
  /** HOME for commands and git: a private folder outside the clone. */
  home: string;
  /** argv[0] values run_command accepts (exact match). */
  allowedCommands: readonly string[];
  commandTimeoutMs: number;
  /** Longest tool output returned to the model; longer output is cut with a marker. */
  maxOutputChars: number;
  signal: AbortSignal;
  /** Milliseconds left of the run's total time; commands get no more than that. */
  remainingMs: () => number;
  onFileEdit: (relPath: string) => void;
}

export interface ToolOutcome {
  /** What the model is told. */
  output: string;
  /** False when the call was refused or failed (the output says why). */
  ok: boolean;
  /** Set by finish(): the run is over. */
  finished?: { summary: string };
}

export interface OllamaTools {
  definitions: LlmTool[];
  names: string[];
  execute(call: LlmToolCall): Promise<ToolOutcome>;
}

const MAX_LIST_ENTRIES = 400;
const MAX_READ_BYTES = 4 * 1024 * 1024;
const MAX_WRITE_CHARS = 1_000_000;
const MAX_PATCH_CHARS = 1_000_000;
const MAX_COMMAND_OUTPUT_BYTES = 256 * 1024;
const GIT_APPLY_TIMEOUT_MS = 60_000;
const NOT_EXPANDED = new Set(["node_modules"]);

const lenientInt = (min: number, max: number): z.ZodType<number> =>
  z.preprocess((v) => (typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v), z.number().int().min(min).max(max)) as unknown as z.ZodType<number>;

export const ListFilesArgs = z.object({
  path: z.string().optional().describe('Folder relative to the repository root; default "." (the root)'),
  depth: lenientInt(1, 6).optional().describe("How many folder levels to show; default 2"),
});
export const ReadFileArgs = z
  .object({
    path: z.string().min(1).describe("File relative to the repository root"),
    startLine: lenientInt(1, 10_000_000).optional().describe("First line to show (1-based); default 1"),
    endLine: lenientInt(1, 10_000_000).optional().describe("Last line to show; default the end of the file"),
  })
  .refine((a) => a.startLine === undefined || a.endLine === undefined || a.endLine >= a.startLine, {
    message: "endLine must not be before startLine",
    path: ["endLine"],
  });
export const WriteFileArgs = z.object({
  path: z.string().min(1).describe("File relative to the repository root; folders are created"),
  content: z.string().max(MAX_WRITE_CHARS).describe("The complete new content of the file"),
});
export const ApplyPatchArgs = z.object({
  patch: z.string().min(1).max(MAX_PATCH_CHARS).describe("A unified diff: `--- a/<path>`, `+++ b/<path>`, then @@ hunks with context lines"),
});
export const RunCommandArgs = z.object({
  argv: z.array(z.string()).min(1).max(200).describe('Program and arguments, e.g. ["npm", "test"]; no shell'),
});
export const FinishArgs = z.object({
  summary: z.string().trim().min(1).max(4000).describe("What you changed and why, in a few sentences"),
});

interface ToolSpec {
  name: string;
  description: string;
  schema: z.ZodType;
  run: (args: never) => Promise<ToolOutcome>;
}

function fail(output: string): ToolOutcome {
  return { output, ok: false };
}

function ok(output: string): ToolOutcome {
  return { output, ok: true };
}

function countLines(text: string): number {
  if (text === "") return 0;
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/**
 * The ollama agent's tools. Every argument is validated with zod; every path goes through
 * resolveInClone; apply_patch and run_command run through the ProcessRunner (sandbox, timeout, bounded
 * output); run_command runs only programs in allowedCommands. A tool never throws: failures come back as
 * output the model can act on.
 */
export function createOllamaTools(ctx: OllamaToolContext): OllamaTools {
  const commandsAllowed = ctx.allowedCommands.length > 0;
  const gitEnv = { HOME: ctx.home, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };

  async function listFiles(args: z.infer<typeof ListFilesArgs>): Promise<ToolOutcome> {
    const resolved = await resolveInClone(ctx.root, args.path ?? ".", { allowRoot: true });
    if (!resolved.ok) return fail(resolved.error);
    const info = await stat(resolved.abs).catch(() => undefined);
    if (!info) return fail(`${resolved.rel} does not exist`);
    if (!info.isDirectory()) return ok(`${resolved.rel} is a file (${info.size} bytes)`);
    const depth = args.depth ?? 2;
    const lines: string[] = [];
    let omitted = 0;
    const walk = async (dir: string, prefix: string, level: number): Promise<void> => {
      const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
      for (const entry of entries) {
        if (entry.name === ".git") continue;
        const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
        if (lines.length >= MAX_LIST_ENTRIES) {
          omitted++;
          continue;
        }
        if (entry.isSymbolicLink()) {
          const target = await readlink(path.join(dir, entry.name)).catch(() => "?");
          lines.push(`${rel} -> ${target}`);
        } else if (entry.isDirectory()) {
          const expand = level < depth && !NOT_EXPANDED.has(entry.name);
          lines.push(`${rel}/${!expand && NOT_EXPANDED.has(entry.name) ? " (not expanded)" : ""}`);
          if (expand) await walk(path.join(dir, entry.name), rel, level + 1);
        } else {
          lines.push(rel);
        }
      }
    };
    await walk(resolved.abs, resolved.rel === "." ? "" : resolved.rel, 1);
    if (lines.length === 0) return ok(`${resolved.rel} is empty`);
    if (omitted > 0) lines.push(`[... ${omitted} more entries not shown; list a subfolder or use a smaller depth ...]`);
    return ok(lines.join("\n"));
  }

  async function readFileTool(args: z.infer<typeof ReadFileArgs>): Promise<ToolOutcome> {
    const resolved = await resolveInClone(ctx.root, args.path);
    if (!resolved.ok) return fail(resolved.error);
    const info = await stat(resolved.abs).catch(() => undefined);
    if (!info) return fail(`${resolved.rel} does not exist; use list_files to see what is there`);
    if (info.isDirectory()) return fail(`${resolved.rel} is a folder; use list_files`);
    if (!info.isFile()) return fail(`${resolved.rel} is not a regular file`);
    if (info.size > MAX_READ_BYTES) return fail(`${resolved.rel} is ${info.size} bytes, more than the ${MAX_READ_BYTES} bytes read_file reads`);
    const buf = await readFile(resolved.abs);
    if (buf.subarray(0, 8192).includes(0)) return ok(`${resolved.rel} is a binary file (${buf.length} bytes); not shown`);
    const text = buf.toString("utf8");
    const total = countLines(text);
    if (total === 0) return ok(`${resolved.rel}: empty file`);
    const start = args.startLine ?? 1;
    if (start > total) return fail(`startLine ${start} is past the end of ${resolved.rel}, which has ${total} lines`);
    const end = Math.min(args.endLine ?? total, total);
    const body = text.split("\n").slice(start - 1, end).join("\n");
    const header = `${resolved.rel}: lines ${start}-${end} of ${total}\n`;
    return ok(
      header +
        fitToBudget(body, Math.max(200, ctx.maxOutputChars - header.length), "[... {cut} characters not shown; read a smaller range with startLine/endLine ...]", { headRatio: 0.8 }),
    );
  }

  async function writeFileTool(args: z.infer<typeof WriteFileArgs>): Promise<ToolOutcome> {
    const resolved = await resolveInClone(ctx.root, args.path);
    if (!resolved.ok) return fail(resolved.error);
    const info = await stat(resolved.abs).catch(() => undefined);
    if (info?.isDirectory()) return fail(`${resolved.rel} is a folder; name a file`);
    await mkdir(path.dirname(resolved.abs), { recursive: true });
    await writeFile(resolved.abs, args.content);
    ctx.onFileEdit(resolved.rel);
    return ok(`${info ? "replaced" : "created"} ${resolved.rel} (${countLines(args.content)} lines)`);
  }

  async function applyPatch(args: z.infer<typeof ApplyPatchArgs>): Promise<ToolOutcome> {
    const read = readPatchPaths(args.patch);
    if (!read.ok) return fail(`patch refused: ${read.error}`);
    const rels: string[] = [];
    for (const p of read.paths) {
      const resolved = await resolveInClone(ctx.root, p);
      if (!resolved.ok) return fail(`patch refused: ${resolved.error}`);
      rels.push(resolved.rel);
    }
    const patch = args.patch.endsWith("\n") ? args.patch : `${args.patch}\n`;
    const result = await ctx.runner.run({
      command: ["git", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "apply", "--recount", "--whitespace=nowarn", `-p${read.strip}`, "-"],
      cwd: ctx.root,
      env: gitEnv,
      input: patch,
      timeoutMs: Math.max(1, Math.min(GIT_APPLY_TIMEOUT_MS, ctx.remainingMs())),
      signal: ctx.signal,
      maxOutputBytes: 64 * 1024,
    });
    if (result.cancelled) return fail("cancelled");
    if (result.timedOut) return fail("git apply did not finish in time");
    if (result.exitCode !== 0) {
      const why = `${result.stderr}${result.stdout}`.trim() || `exit code ${String(result.exitCode)}`;
      return fail(
        `the patch did not apply; nothing was changed:\n${why}\nRead the file again and send a patch whose context lines match it exactly, or use write_file.`,
      );
    }
    for (const rel of rels) ctx.onFileEdit(rel);
    return ok(`applied the patch to ${rels.join(", ")}`);
  }

  async function runCommand(args: z.infer<typeof RunCommandArgs>): Promise<ToolOutcome> {
    const program = args.argv[0]!;
    if (!commandsAllowed) return fail(`refused: running commands is disabled for this agent (the operator allows none)`);
    if (!ctx.allowedCommands.includes(program)) {
      return fail(`refused: "${program}" is not an allowed command. Allowed programs: ${ctx.allowedCommands.join(", ")}`);
    }
    const remaining = ctx.remainingMs();
    if (remaining <= 0) return fail("no time left to run commands");
    const timeoutMs = Math.min(ctx.commandTimeoutMs, remaining);
    let result;
    try {
      result = await ctx.runner.run({
        command: [...args.argv],
        cwd: ctx.root,
        env: { HOME: ctx.home, LANG: "C.UTF-8", CI: "true" },
        timeoutMs,
        signal: ctx.signal,
        maxOutputBytes: MAX_COMMAND_OUTPUT_BYTES,
        network: false,
      });
    } catch (err) {
      return fail(`could not start ${program}: ${(err as Error).message}`);
    }
    if (result.cancelled) return fail("cancelled");
    const status = result.timedOut
      ? `timed out after ${Math.round(timeoutMs / 1000)}s and was stopped`
      : result.signal !== null
        ? `killed by signal ${result.signal}`
        : `exit code ${String(result.exitCode)}`;
    const outputBudget = Math.max(400, ctx.maxOutputChars - 200);
    const stdout = fitToBudget(result.stdout.trimEnd(), Math.floor(outputBudget * 0.6), "[... {cut} characters of stdout cut ...]", { headRatio: 0.3 });
    const stderr = fitToBudget(result.stderr.trimEnd(), Math.floor(outputBudget * 0.4), "[... {cut} characters of stderr cut ...]", { headRatio: 0.3 });
    const parts = [`$ ${args.argv.join(" ")}`, status];
    if (stdout !== "") parts.push(`--- stdout ---\n${stdout}`);
    if (stderr !== "") parts.push(`--- stderr ---\n${stderr}`);
    return { output: parts.join("\n"), ok: result.exitCode === 0 && !result.timedOut };
  }

  const specs: ToolSpec[] = [
    { name: "list_files", description: "List files and folders (the .git folder is hidden).", schema: ListFilesArgs, run: listFiles as ToolSpec["run"] },
    { name: "read_file", description: "Read a text file, or a range of its lines.", schema: ReadFileArgs, run: readFileTool as ToolSpec["run"] },
    { name: "write_file", description: "Create a file or replace its whole content.", schema: WriteFileArgs, run: writeFileTool as ToolSpec["run"] },
    { name: "apply_patch", description: "Change existing files with a unified diff (applied with git apply --recount).", schema: ApplyPatchArgs, run: applyPatch as ToolSpec["run"] },
    ...(commandsAllowed
      ? [
          {
            name: "run_command",
            description: `Run a program in the repository (no shell, no network). Allowed programs: ${ctx.allowedCommands.join(", ")}.`,
            schema: RunCommandArgs,
            run: runCommand as ToolSpec["run"],
          },
        ]
      : []),
    {
      name: "finish",
      description: "End the work with a summary of what you changed. Call it once the task is done.",
      schema: FinishArgs,
      run: (async (args: z.infer<typeof FinishArgs>) => ({ output: "finished", ok: true, finished: { summary: args.summary } })) as ToolSpec["run"],
    },
  ];
  // run_command stays callable when it is not offered, so a model that calls it anyway learns why not.
  const callable: ToolSpec[] = commandsAllowed ? specs : [...specs, { name: "run_command", description: "", schema: RunCommandArgs, run: runCommand as ToolSpec["run"] }];
  const byName = new Map(callable.map((s) => [s.name, s]));
  const definitions: LlmTool[] = specs.map((s) => ({ name: s.name, description: s.description, parameters: toJsonSchema(s.schema) }));
  const names = specs.map((s) => s.name);

  return {
    definitions,
    names,
    async execute(call: LlmToolCall): Promise<ToolOutcome> {
      const spec = byName.get(call.name);
      if (!spec) return fail(`unknown tool "${call.name}"; the tools are: ${names.join(", ")}`);
      let raw = call.arguments ?? {};
      if (typeof raw === "string") {
        try {
          raw = JSON.parse(raw === "" ? "{}" : raw);
        } catch {
          return fail(`invalid arguments for ${call.name}: not a JSON object: ${fitToBudget(raw as string, 200, "...")}`);
        }
      }
      const parsed = spec.schema.safeParse(raw);
      if (!parsed.success) {
        const problems = formatZodIssues(parsed.error).map((p) => `- ${p}`).join("\n");
        const schema = definitions.find((d) => d.name === spec.name)?.parameters ?? toJsonSchema(spec.schema);
        return fail(`invalid arguments for ${call.name}:\n${problems}\nCall ${call.name} again with arguments that match this schema: ${JSON.stringify(schema)}`);
      }
      try {
        const outcome = await spec.run(parsed.data as never);
        return { ...outcome, output: fitToBudget(outcome.output, ctx.maxOutputChars, "[... {cut} characters of output cut by Moderator ...]", { headRatio: 0.5 }) };
      } catch (err) {
        return fail(`${call.name} failed: ${(err as Error).message}`);
      }
    },
  };
}
