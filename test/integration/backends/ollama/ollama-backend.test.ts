import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AgentEvent, AgentResult, AgentTask } from "../../../../src/backends/backend.ts";
import { createOllamaBackend } from "../../../../src/backends/ollama-backend.ts";
import { estimateConversationTokens } from "../../../../src/llm/estimate-conversation-tokens.ts";
import type { LlmMessage } from "../../../../src/llm/llm.ts";
import { createProcessRunner } from "../../../../src/sandbox/create-process-runner.ts";
import type { ProcessRunner } from "../../../../src/sandbox/process-runner.ts";
import { callTools, say, startFakeOllama, type FakeOllama, type RecordedChatBody } from "../../../support/fake-ollama.ts";

const MODEL = "coder:7b";

const task: AgentTask = {
  repository: { owner: "octo", name: "demo", fullName: "octo/demo", defaultBranch: "main" },
  issue: { number: 3, title: "Greet politely", body: "greet() should say hello and the name.", author: "alice" },
  task: { index: 0, title: "Greet politely", description: "greet() should say hello and the name.", type: "change" },
  prompt: "Resolve issue #3: greet() should say hello and the name.",
  branch: "moderator/issue-3",
  baseBranch: "main",
};

const GREET = `function greet(name) {
  return "Hi " + name;
}

module.exports = { greet };
`;

const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], { cwd, encoding: "utf8" });

/** The last tool message of a chat request: what the model was told about its previous call. */
function lastToolMessage(request: RecordedChatBody | undefined): string {
  const tool = [...(request?.messages ?? [])].reverse().find((m) => m.role === "tool");
  return tool?.content ?? "";
}

function toolMessages(requests: RecordedChatBody[]): Array<{ tool: string | undefined; content: string }> {
  const last = requests[requests.length - 1];
  return (last?.messages ?? []).filter((m) => m.role === "tool").map((m) => ({ tool: m.tool_name, content: m.content }));
}

describe("ollama backend", () => {
  let runner: ProcessRunner;
  let fake: FakeOllama;
  let base: string;
  let clone: string;
  let scratch: string;
  let events: AgentEvent[];

  beforeAll(async () => {
    runner = await createProcessRunner({ mode: "none" });
  });

  beforeEach(async () => {
    fake = await startFakeOllama({ models: [MODEL] });
    base = await mkdtemp(path.join(tmpdir(), "moderator-ollama-backend-"));
    clone = path.join(base, "clone");
    scratch = path.join(base, "scratch");
    await mkdir(path.join(clone, "src"), { recursive: true });
    await mkdir(scratch);
    await writeFile(path.join(clone, "README.md"), "# demo\n\nA greeter.\n");
    await writeFile(path.join(clone, "src", "greet.js"), GREET);
    git(clone, "init", "-q", "-b", "main");
    git(clone, "add", "-A");
    git(clone, "commit", "-q", "-m", "init");
    events = [];
  });

  afterEach(async () => {
    await fake.close();
    await rm(base, { recursive: true, force: true });
  });

  const run = (overrides: Record<string, unknown> = {}, signal?: AbortSignal): Promise<AgentResult> => {
    const backend = createOllamaBackend({ type: "ollama", host: fake.url, model: MODEL, contextTokens: 8192, ...overrides }, { name: "local" });
    return backend.run({ task, workdir: clone, runner, scratchDir: scratch, onEvent: (e) => events.push(e), ...(signal ? { signal } : {}) });
  };

  it("lists, reads, writes, patches, runs an allowed command and finishes", async () => {
    // Hunk counts are deliberately wrong: --recount fixes them, as models rarely count right.
    const patch = [
      "--- a/src/greet.js",
      "+++ b/src/greet.js",
      "@@ -1,3 +1,3 @@",
      " function greet(name) {",
      '-  return "Hi " + name;',
      '+  return "Hello, " + name + "!";',
      " }",
      "",
    ].join("\n");
    fake.reply(
      callTools(["list_files", {}]),
      callTools(["read_file", { path: "src/greet.js", startLine: "1", endLine: 3 }]),
      { kind: "message", content: "I will document the function first.", toolCalls: [{ name: "write_file", arguments: { path: "docs/usage.md", content: "# Usage\n\ngreet(name)\n" } }] },
      callTools(["apply_patch", { patch }]),
      callTools(["run_command", { argv: ["node", "-e", "console.log(require('./src/greet.js').greet('Ada'))"] }]),
      callTools(["finish", { summary: "greet() now says Hello, <name>! and docs/usage.md documents it." }]),
    );
    const result = await run({ allowedCommands: ["node"] });

    expect(result.error).toBeUndefined();
    expect(result.status).toBe("succeeded");
    expect(result.usage.turns).toBe(6);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.sandbox).toBe("none");
    expect(result.command).toEqual(["ollama", "chat", MODEL, `--host=${fake.url}`]);
    expect(await readFile(path.join(clone, "src", "greet.js"), "utf8")).toBe(GREET.replace('"Hi " + name', '"Hello, " + name + "!"'));
    expect(await readFile(path.join(clone, "docs", "usage.md"), "utf8")).toBe("# Usage\n\ngreet(name)\n");
    expect(git(clone, "status", "--porcelain").split("\n").filter(Boolean).sort()).toEqual([" M src/greet.js", "?? docs/"]);

    const requests = fake.chatRequests();
    expect(requests).toHaveLength(6);
    for (const request of requests) {
      expect(request.options?.num_ctx).toBe(8192);
      expect(request.tools?.map((t) => t.function.name)).toEqual(["list_files", "read_file", "write_file", "apply_patch", "run_command", "finish"]);
      expect(estimateConversationTokens(request.messages.map((m) => ({ role: m.role as LlmMessage["role"], content: m.content })))).toBeLessThan(8192);
    }
    expect(requests[0]?.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(requests[0]?.messages[1]?.content).toBe(task.prompt);
    expect(lastToolMessage(requests[1])).toBe("README.md\nsrc/\nsrc/greet.js");
    expect(lastToolMessage(requests[2])).toBe(`src/greet.js: lines 1-3 of 5\nfunction greet(name) {\n  return "Hi " + name;\n}`);
    expect(lastToolMessage(requests[3])).toBe("created docs/usage.md (3 lines)");
    expect(lastToolMessage(requests[4])).toBe("applied the patch to src/greet.js");
    expect(lastToolMessage(requests[5])).toBe(`$ node -e console.log(require('./src/greet.js').greet('Ada'))\nexit code 0\n--- stdout ---\nHello, Ada!`);

    expect(events.filter((e) => e.kind === "tool_call").map((e) => (e as { tool: string }).tool)).toEqual([
      "list_files",
      "read_file",
      "write_file",
      "apply_patch",
      "run_command",
      "finish",
    ]);
    expect(events.filter((e) => e.kind === "file_edit")).toEqual([
      { kind: "file_edit", path: "docs/usage.md" },
      { kind: "file_edit", path: "src/greet.js" },
    ]);
    expect(events).toContainEqual({ kind: "message", text: "I will document the function first." });
    expect(events.filter((e) => e.kind === "usage")).toHaveLength(6);
    expect(events[events.length - 1]).toEqual({ kind: "result", success: true, text: "greet() now says Hello, <name>! and docs/usage.md documents it." });
    expect(result.outputTail).toContain("finished: greet() now says Hello");
  });

  it("applies patches and runs commands inside the bwrap sandbox, which hides the host", async () => {
    const bwrap = await createProcessRunner({ mode: "bwrap" });
    const outside = path.join(base, "outside.txt");
    await writeFile(outside, "host file\n");
    const patch = "--- a/README.md\n+++ b/README.md\n@@ -1,3 +1,3 @@\n-# demo\n+# Demo\n \n A greeter.\n";
    const probe = `try { require('fs').readFileSync(${JSON.stringify(outside)}); console.log('visible') } catch { console.log('hidden') }`;
    fake.reply(callTools(["apply_patch", { patch }]), callTools(["run_command", { argv: ["node", "-e", probe] }]), callTools(["finish", { summary: "capitalized" }]));
    const backend = createOllamaBackend({ type: "ollama", host: fake.url, model: MODEL, allowedCommands: ["node"] });
    const result = await backend.run({ task, workdir: clone, runner: bwrap, scratchDir: scratch, onEvent: (e) => events.push(e) });
    expect(result.status).toBe("succeeded");
    expect(result.sandbox).toBe("bwrap");
    expect(await readFile(path.join(clone, "README.md"), "utf8")).toBe("# Demo\n\nA greeter.\n");
    const tools = toolMessages(fake.chatRequests()).map((t) => t.content);
    expect(tools).toEqual(["applied the patch to README.md", `$ node -e ${probe}\nexit code 0\n--- stdout ---\nhidden`]);
  });

  it("answers an invalid tool call with the validation error, and the model corrects itself", async () => {
    fake.reply(
      callTools(["read_file", { file: "README.md" }]),
      callTools(["read_file", { path: "README.md", startLine: 3, endLine: 1 }]),
      callTools(["no_such_tool", {}]),
      callTools(["read_file", { path: "README.md" }]),
      callTools(["finish", { summary: "read it" }]),
    );
    const result = await run();
    expect(result.status).toBe("succeeded");
    const tools = toolMessages(fake.chatRequests());
    expect(tools[0]?.tool).toBe("read_file");
    expect(tools[0]?.content).toMatch(/^invalid arguments for read_file:\n- path: Invalid input: expected string, received undefined\nCall read_file again with arguments that match this schema: \{/);
    expect(tools[1]?.content).toContain("- endLine: endLine must not be before startLine");
    expect(tools[2]?.content).toBe('unknown tool "no_such_tool"; the tools are: list_files, read_file, write_file, apply_patch, finish');
    expect(tools[3]?.content).toBe("README.md: lines 1-3 of 3\n# demo\n\nA greeter.");
  });

  it("refuses a command that is not allowed, and offers no run_command when none is", async () => {
    fake.reply(callTools(["run_command", { argv: ["rm", "-rf", "."] }]), callTools(["run_command", { argv: "node -v" }]), callTools(["finish", { summary: "gave up" }]));
    const allowed = await run({ allowedCommands: ["node"] });
    expect(allowed.status).toBe("succeeded");
    let tools = toolMessages(fake.chatRequests());
    expect(tools[0]?.content).toBe('refused: "rm" is not an allowed command. Allowed programs: node');
    expect(tools[1]?.content).toContain("- argv: Invalid input: expected array, received string");
    expect(existsSync(path.join(clone, "README.md"))).toBe(true);

    fake.reply(callTools(["run_command", { argv: ["node", "-v"] }]), callTools(["finish", { summary: "ok" }]));
    const none = await run();
    expect(none.status).toBe("succeeded");
    const requests = fake.chatRequests();
    expect(requests[requests.length - 1]?.tools?.map((t) => t.function.name)).not.toContain("run_command");
    tools = toolMessages([requests[requests.length - 1]!]);
    expect(tools[0]?.content).toBe("refused: running commands is disabled for this agent (the operator allows none)");
  });

  it("refuses paths that leave the clone or touch .git, also through symlinks and patches", async () => {
    const outside = path.join(base, "outside");
    await mkdir(outside);
    await writeFile(path.join(outside, "secret.txt"), "top secret\n");
    await symlink(outside, path.join(clone, "escape"));
    await symlink(path.join(outside, "new.txt"), path.join(clone, "dangling"));
    const evilPatch = "--- a/../outside/secret.txt\n+++ b/../outside/secret.txt\n@@ -1 +1 @@\n-top secret\n+owned\n";
    fake.reply(
      callTools(["read_file", { path: "../outside/secret.txt" }]),
      callTools(["read_file", { path: path.join(outside, "secret.txt") }]),
      callTools(["read_file", { path: "escape/secret.txt" }]),
      callTools(["write_file", { path: "escape/evil.txt", content: "x" }]),
      callTools(["write_file", { path: "dangling", content: "x" }]),
      callTools(["write_file", { path: ".git/hooks/pre-commit", content: "#!/bin/sh\n" }]),
      callTools(["apply_patch", { patch: evilPatch }]),
      callTools(["list_files", { path: "escape" }]),
      callTools(["finish", { summary: "nothing to do" }]),
    );
    const result = await run();
    expect(result.status).toBe("succeeded");
    const tools = toolMessages(fake.chatRequests()).map((t) => t.content);
    expect(tools).toEqual([
      'path "../outside/secret.txt" uses "..", which is not allowed; use a path relative to the repository root',
      `path ${JSON.stringify(path.join(outside, "secret.txt"))} is absolute; use a path relative to the repository root, e.g. "src/index.ts"`,
      'path "escape/secret.txt" leads outside the repository (through a symbolic link)',
      'path "escape/evil.txt" leads outside the repository (through a symbolic link)',
      'path "dangling" goes through a symbolic link whose target does not exist',
      'path ".git/hooks/pre-commit" is inside .git, which may not be read or changed',
      'patch refused: path "../outside/secret.txt" uses "..", which is not allowed; use a path relative to the repository root',
      'path "escape" leads outside the repository (through a symbolic link)',
    ]);
    expect(await readFile(path.join(outside, "secret.txt"), "utf8")).toBe("top secret\n");
    expect(existsSync(path.join(outside, "evil.txt"))).toBe(false);
    expect(existsSync(path.join(outside, "new.txt"))).toBe(false);
    expect(existsSync(path.join(clone, ".git", "hooks", "pre-commit"))).toBe(false);
    expect(events.filter((e) => e.kind === "file_edit")).toEqual([]);
  });

  it("reports a patch that does not apply, so the model can retry", async () => {
    const stale = "--- a/src/greet.js\n+++ b/src/greet.js\n@@ -1,2 +1,2 @@\n function greet(name) {\n-  return 'nope';\n+  return 'yes';\n";
    fake.reply(callTools(["apply_patch", { patch: stale }]), callTools(["apply_patch", { patch: "just change it please" }]), callTools(["finish", { summary: "could not" }]));
    const result = await run();
    expect(result.status).toBe("succeeded");
    const tools = toolMessages(fake.chatRequests()).map((t) => t.content);
    expect(tools[0]).toMatch(/^the patch did not apply; nothing was changed:\n[\s\S]*patch failed: src\/greet\.js:1/);
    expect(tools[1]).toBe("patch refused: the patch has no file headers; send a unified diff with `--- a/<path>` and `+++ b/<path>` lines before each file's @@ hunks");
    expect(await readFile(path.join(clone, "src", "greet.js"), "utf8")).toBe(GREET);
  });

  it("fails when maxTurns is reached without finish", async () => {
    fake.reply(callTools(["list_files", {}]), callTools(["write_file", { path: "a.txt", content: "a" }]), callTools(["list_files", { depth: 1 }]));
    const result = await run({ maxTurns: 3 });
    expect(result.status).toBe("failed");
    expect(result.error).toBe("the model did not call finish within maxTurns (3 turns) (it had changed a.txt); raise maxTurns for backend 'local' or split the issue");
    expect(result.usage.turns).toBe(3);
    expect(fake.chatRequests()).toHaveLength(3);
    expect(events[events.length - 1]).toEqual({ kind: "result", success: false, text: result.error });
    expect(result.outputTail).toContain("error: the model did not call finish");
  });

  it("nudges a model that answers without tools, accepts a tool call written as text, and fails after three idle answers", async () => {
    fake.reply(say("Let me think about this."), say('```json\n{"name": "finish", "arguments": {"summary": "done as text"}}\n```'));
    const ok = await run();
    expect(ok.status).toBe("succeeded");
    const second = fake.chatRequests()[1];
    expect(second?.messages[second.messages.length - 1]?.content).toContain("You did not call a tool.");
    expect(events[events.length - 1]).toEqual({ kind: "result", success: true, text: "done as text" });

    fake.reply(say("a"), say("b"), say("c"));
    const idle = await run();
    expect(idle.status).toBe("failed");
    expect(idle.error).toBe("the model answered 3 times in a row without calling a tool");
  });

  it("fails with a clear message when the model is not pulled", async () => {
    const result = await run({ model: "absent:1b" });
    expect(result.status).toBe("failed");
    expect(result.error).toContain(`ollama backend "local": Ollama at ${fake.url} (model "absent:1b") answered 404`);
    expect(result.error).toContain("ollama pull absent:1b");
    expect(events).toContainEqual({ kind: "error", message: result.error });
  });

  it("times out as a whole, and can be cancelled", async () => {
    fake.reply({ kind: "hang" });
    const timedOut = await run({ timeoutSeconds: 1 });
    expect(timedOut.status).toBe("timed_out");
    expect(timedOut.error).toBe("the ollama agent did not finish within 1s (0 turns)");

    fake.reply({ kind: "hang" });
    const controller = new AbortController();
    const pending = run({}, controller.signal);
    setTimeout(() => controller.abort(), 100);
    const cancelled = await pending;
    expect(cancelled.status).toBe("cancelled");
  });

  it("keeps the conversation under the context budget by shortening old tool output, visibly", async () => {
    const big = Array.from({ length: 400 }, (_, i) => `line ${i}: ${"x".repeat(40)}`).join("\n");
    for (const name of ["a", "b", "c", "d", "e", "f"]) await writeFile(path.join(clone, `${name}.txt`), big);
    const reads = ["a", "b", "c", "d", "e", "f"].map((n) => callTools(["read_file", { path: `${n}.txt` }]));
    fake.reply(...reads, callTools(["finish", { summary: "read everything" }]));
    const result = await run({ contextTokens: 4096 });
    expect(result.status).toBe("succeeded");
    const requests = fake.chatRequests();
    expect(requests).toHaveLength(7);
    // Each read is cut to the tool output cap with a marker.
    expect(lastToolMessage(requests[1])).toContain("characters not shown; read a smaller range with startLine/endLine");
    for (const request of requests) {
      const messages = request.messages.map((m) => ({ role: m.role as LlmMessage["role"], content: m.content }));
      expect(estimateConversationTokens(messages) + 1).toBeLessThan(4096);
    }
    const lastMessages = requests[requests.length - 1]!.messages.map((m) => m.content).join("\n");
    expect(lastMessages).toMatch(/\[Moderator shortened this to save context|\[Moderator removed \d+ earlier messages/);
    expect(events).toContainEqual(expect.objectContaining({ kind: "raw", data: expect.objectContaining({ type: "context_compacted" }) }));
  });

  it("health() says whether the host answers and the model is pulled", async () => {
    const good = createOllamaBackend({ type: "ollama", host: fake.url, model: MODEL });
    await expect(good.health()).resolves.toEqual({ ok: true, version: "0.12.3", detail: `Ollama 0.12.3 at ${fake.url} has model "${MODEL}"` });
    const missing = createOllamaBackend({ type: "ollama", host: fake.url, model: "other:3b" });
    const health = await missing.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain("ollama pull other:3b");
  });

  it("rejects an invalid definition with the path of each problem", () => {
    expect(() => createOllamaBackend({ type: "ollama", model: "" }, { name: "local" })).toThrow('ollama backend "local": invalid definition: model: ');
    expect(() => createOllamaBackend({ type: "ollama", model: "m", allowedCommands: ["/bin/sh"] })).toThrow("allowedCommands.0: must be a program name, without a path");
    expect(() => createOllamaBackend({ type: "ollama", model: "m", host: "ftp://x" })).toThrow("host: must be an http(s) URL");
  });
});
