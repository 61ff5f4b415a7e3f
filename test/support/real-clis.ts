import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";

/**
 * The real agent CLIs for tests that run them against local fake model servers. Each is taken from its
 * environment variable, else installed once with npm into the temp folder (the npm registry must answer).
 */
export const CLAUDE_CODE_VERSION = "2.1.332";
export const CODEX_VERSION = "0.169.0";

/** Claude Code's native binary (CLAUDE_CODE_BIN, else npm `@anthropic-ai/claude-code`, about 400 MB). */
export async function findClaudeCode(): Promise<string> {
  const explicit = process.env["CLAUDE_CODE_BIN"];
  if (explicit) return explicit;
  const cache = path.join(tmpdir(), `moderator-claude-code-${CLAUDE_CODE_VERSION}`);
  const bin = path.join(cache, "node_modules", "@anthropic-ai", "claude-code", "bin", "claude.exe");
  if (!existsSync(bin) || (await execa(bin, ["--version"], { reject: false, timeout: 30_000 })).exitCode !== 0) {
    await mkdir(cache, { recursive: true });
    await execa("npm", ["install", "--no-fund", "--no-audit", "--prefix", cache, `@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}`], { timeout: 540_000 });
    // The package's postinstall puts the platform's native binary in place (npm may not have run it).
    await execa("node", ["install.cjs"], { cwd: path.join(cache, "node_modules", "@anthropic-ai", "claude-code"), reject: false, timeout: 120_000 });
  }
  return bin;
}

/** Codex's native binary (CODEX_BIN, else npm `@openai/codex`, whose platform package holds it; x64 Linux only). */
export async function findCodex(): Promise<string> {
  const explicit = process.env["CODEX_BIN"];
  if (explicit) return explicit;
  const cache = path.join(tmpdir(), `moderator-codex-${CODEX_VERSION}`);
  const bin = path.join(cache, "node_modules", "@openai", "codex-linux-x64", "vendor", "x86_64-unknown-linux-musl", "bin", "codex");
  if (!existsSync(bin) || (await execa(bin, ["--version"], { reject: false, timeout: 30_000 })).exitCode !== 0) {
    await mkdir(cache, { recursive: true });
    await execa("npm", ["install", "--no-fund", "--no-audit", "--prefix", cache, `@openai/codex@${CODEX_VERSION}`], { timeout: 540_000 });
  }
  return bin;
}
