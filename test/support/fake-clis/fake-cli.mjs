// Fake agent CLIs for the backend adapter tests: `bin/claude`, `bin/codex`, `bin/gemini` and `bin/aider`
// call runFakeCli with their name. They replay the recorded (or reconstructed) output samples in
// test/fixtures/agent-cli/ and do what those samples say to the clone, and they simulate what real CLIs
// do when things go wrong. FAKE_CLI_SCENARIO picks the behaviour (a comma-separated list combines start-up
// refusals, e.g. "root,old-version"; the last entry picks what a launch that starts does):
//
//   success (default)  edits the clone, replays the sample, prints the API key on stderr (must be redacted)
//   malformed          the sample with garbage lines between its lines (plain text, broken JSON, arrays)
//   crash              one line, then kills itself with SIGSEGV
//   hang               one line, starts a `sleep` child (its pid in $HOME/fake-child.pid), never exits
//   flood              ~24 MB of output (one 1 MB line without a break, then short lines), then success
//   auth               the sample of an authentication failure, with the CLI's exit code
//   old-version        rejects a newer flag like an older version (claude --max-budget-usd, codex
//                      --local-provider, gemini --approval-mode, aider --yes-always/--no-gitignore)
//   root               claude: refuses to bypass permissions as root
//   untrusted          codex: refuses to start without --skip-git-repo-check
//   missing-include    gemini: fails on an --include-directories folder that does not exist
//   broken             `--version` fails
//
// Every launch writes $HOME/fake-<cli>-launch-<n>.json: argv, the environment's names, selected values,
// cwd, and probes (can it write the task folder? does FAKE_CLI_PROBE_PATH exist?).
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const FIXTURES = fileURLToPath(new URL("../../fixtures/agent-cli/", import.meta.url));

const VERSIONS = { claude: "2.1.329 (Claude Code)", codex: "codex-cli 0.169.0", gemini: "0.41.1", aider: "aider 0.86.1" };
const SAMPLES = {
  claude: { success: "claude-code-2.1.329-stream-json.jsonl", auth: "claude-code-2.1.329-auth-error.jsonl", authExit: 1 },
  codex: { success: "codex-0.169.0-exec-json.jsonl", auth: "codex-exec-json-auth-error.reconstructed.jsonl", authExit: 1 },
  gemini: { success: "gemini-stream-json.reconstructed.jsonl", auth: "gemini-stream-json-auth-error.reconstructed.jsonl", authExit: 1 },
  aider: { success: "aider-no-pretty.reconstructed.txt", auth: "aider-auth-error.reconstructed.txt", authExit: 0 },
};
const API_KEY_VAR = { claude: "ANTHROPIC_API_KEY", codex: "CODEX_API_KEY", gemini: "GEMINI_API_KEY", aider: "ANTHROPIC_API_KEY" };
const SHOWN_ENV = /^(CLAUDE_CODE_|DISABLE_|CODEX_HOME$|GEMINI_CLI_|PYTHON|NO_COLOR$|HOME$|IS_SANDBOX$)/;

const argv = process.argv.slice(2);
const home = process.env.HOME ?? "/nonexistent";

function write(stream, text) {
  return new Promise((resolve) => {
    if (stream.write(text)) resolve();
    else stream.once("drain", resolve);
  });
}
const out = (line) => write(process.stdout, `${line}\n`);
const err = (line) => write(process.stderr, `${line}\n`);

function record(cli) {
  let n = 1;
  while (existsSync(path.join(home, `fake-${cli}-launch-${n}.json`))) n++;
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (SHOWN_ENV.test(k)) env[k] = v;
  let taskDirWritable = false;
  try {
    appendFileSync(path.join(path.dirname(home), "task", "prompt.md"), "");
    taskDirWritable = true;
  } catch {
    taskDirWritable = false;
  }
  const probePath = process.env.FAKE_CLI_PROBE_PATH;
  writeFileSync(
    path.join(home, `fake-${cli}-launch-${n}.json`),
    JSON.stringify({
      cli,
      argv,
      envNames: Object.keys(process.env).sort(),
      env,
      cwd: process.cwd(),
      taskDirWritable,
      probeVisible: probePath ? existsSync(probePath) : null,
    }),
  );
  return n;
}

function sample(name) {
  return readFileSync(path.join(FIXTURES, name), "utf8")
    .replaceAll("/workspace", process.cwd())
    .replaceAll("/home/agent", home)
    .split("\n")
    .filter((line, i, all) => line !== "" || i < all.length - 1);
}

/** Does to the clone what the success sample says the CLI did. */
function editClone(cli) {
  if (cli === "codex") {
    writeFileSync("hello.js", 'export const hello = () => "hi";\n');
    return;
  }
  if (existsSync("README.md")) writeFileSync("README.md", readFileSync("README.md", "utf8").replace("old line", "new line"));
  mkdirSync("src", { recursive: true });
  writeFileSync(path.join("src", "hello.js"), 'export const hello = () => "hi";\n');
}

async function replay(lines, garbage = false) {
  const junk = ["{not json", "[1,2,3]", '{"type":42}', "plain text from the CLI", '{"type":"result","is_error":', "", "\u0000\u0001 binary noise", "{}"];
  let i = 0;
  for (const line of lines) {
    if (garbage) await out(junk[i++ % junk.length]);
    await out(line);
  }
}

async function success(cli) {
  editClone(cli);
  await replay(sample(SAMPLES[cli].success));
  const key = process.env[API_KEY_VAR[cli]];
  if (key) await err(`debug: authenticating with ${key}`);
  return 0;
}

async function flood() {
  await write(process.stdout, "x".repeat(1024 * 1024));
  await out("");
  const block = `${"noise ".repeat(15)}\n`.repeat(1000);
  for (let i = 0; i < 250; i++) await write(process.stdout, block);
}

/** The start-up failures an older or stricter CLI has; a number is the exit code of a refusal. */
async function refuse(cli, scenarios) {
  for (const scenario of scenarios) {
    const code = await refuseFor(cli, scenario);
    if (code !== undefined) return code;
  }
  return undefined;
}

async function refuseFor(cli, scenario) {
  const has = (flag) => argv.includes(flag);
  if (cli === "claude" && scenario === "old-version" && has("--max-budget-usd")) {
    await err("error: unknown option '--max-budget-usd'");
    return 1;
  }
  if (cli === "claude" && scenario === "root") {
    const i = argv.indexOf("--permission-mode");
    if (has("--dangerously-skip-permissions") || (i !== -1 && argv[i + 1] === "bypassPermissions")) {
      await err("--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons");
      return 1;
    }
  }
  if (cli === "codex" && scenario === "untrusted" && !has("--skip-git-repo-check")) {
    await err("Not inside a trusted directory and --skip-git-repo-check was not specified.");
    return 1;
  }
  if (cli === "codex" && scenario === "old-version" && has("--local-provider")) {
    await err("error: unexpected argument '--local-provider' found\n\n  tip: to pass '--local-provider' as a value, use '-- --local-provider'\n\nUsage: codex exec [OPTIONS] [PROMPT]\n\nFor more information, try '--help'.");
    return 2;
  }
  if (cli === "gemini" && scenario === "old-version" && has("--approval-mode")) {
    await err("Usage: gemini [options] [command]\n\nGemini CLI - Launch an interactive CLI, use -p/--prompt for non-interactive mode\n\nUnknown arguments: approval-mode, approvalMode");
    return 1;
  }
  if (cli === "gemini" && scenario === "missing-include") {
    for (let i = 0; i < argv.length; i++) {
      if (argv[i] === "--include-directories" && !existsSync(argv[i + 1])) {
        await err("An unexpected critical error occurred:");
        await err(`Error: Directory does not exist: ${argv[i + 1]}`);
        await err("    at WorkspaceContext.addDirectoryInternal (file:///usr/lib/node_modules/@google/gemini-cli/node_modules/@google/gemini-cli-core/dist/src/utils/workspaceContext.js:47:19)");
        return 1;
      }
    }
  }
  if (cli === "aider" && scenario === "old-version") {
    const unknown = ["--yes-always", "--no-gitignore"].filter(has);
    if (unknown.length > 0) {
      await err("usage: aider [-h] [--model MODEL] [--yes] [--message COMMAND] [FILE ...]");
      await err(`aider: error: unrecognized arguments: ${unknown.join(" ")}`);
      return 2;
    }
  }
  return undefined;
}

export async function runFakeCli(cli) {
  // A comma-separated list: every start-up refusal listed applies, the first other one picks the run.
  const scenarios = (process.env.FAKE_CLI_SCENARIO ?? "success").split(",");
  const scenario = scenarios.at(-1);
  if (argv[0] === "--version") {
    if (scenario === "broken") {
      await err("fatal: cannot load the CLI's modules");
      process.exitCode = 3;
      return;
    }
    await out(VERSIONS[cli]);
    return;
  }
  record(cli);
  const refused = await refuse(cli, scenarios);
  if (refused !== undefined) {
    process.exitCode = refused;
    return;
  }
  const lines = sample(SAMPLES[cli].success);
  switch (scenario) {
    case "malformed":
      editClone(cli);
      await replay(lines, true);
      await out("{truncated");
      return;
    case "crash":
      await out(lines[0]);
      await err("about to crash");
      process.kill(process.pid, "SIGSEGV");
      return;
    case "hang": {
      await out(lines[0]);
      const child = spawn("sleep", ["300"], { stdio: "ignore" });
      writeFileSync(path.join(home, "fake-child.pid"), String(child.pid));
      setInterval(() => undefined, 1000);
      return;
    }
    case "flood":
      await flood();
      process.exitCode = await success(cli);
      return;
    case "auth":
      await replay(sample(SAMPLES[cli].auth));
      process.exitCode = SAMPLES[cli].authExit;
      return;
    default:
      process.exitCode = await success(cli);
  }
}
