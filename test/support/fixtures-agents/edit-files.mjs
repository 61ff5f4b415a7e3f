#!/usr/bin/env node
// Fake agent: reads its task, edits files in its cwd (the clone) and prints JSON event lines mixed
// with plain text and malformed JSON, like a real agent CLI's stream output.
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";

const taskFile = process.env.MODERATOR_TASK_FILE;
const task = JSON.parse(readFileSync(taskFile, "utf8"));
const emit = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

console.log("Starting fake agent...");
emit({ type: "message", text: `working on: ${task.task.title}` });
console.log("{not json");
console.log("[1,2,3]");
emit({ type: 42 });
emit({ type: "message", text: 7 });
emit({ type: "env", names: Object.keys(process.env).sort(), home: process.env.HOME, cwd: process.cwd() });
let taskFileWritable = true;
try {
  appendFileSync(taskFile, " ");
} catch {
  taskFileWritable = false;
}
emit({ type: "probe", taskFileWritable });
writeFileSync(`${process.env.HOME}/.agent-state`, "ok");
emit({ type: "tool_call", tool: "edit", input: { path: "README.md" } });
writeFileSync("README.md", `${readFileSync("README.md", "utf8")}\nEdited for issue #${task.issue.number}.\n`);
emit({ type: "file_edit", path: "README.md" });
writeFileSync("NEW_FILE.md", `${task.task.description}\n`);
emit({ type: "file_edit", path: "NEW_FILE.md" });
emit({ type: "usage", inputTokens: 100, outputTokens: 20, costUsd: 0.01, turns: 1 });
emit({ type: "usage", inputTokens: 50, outputTokens: -3, turns: 1 });
console.error(`debug: using key ${process.env.FAKE_API_KEY}`);
emit({ type: "result", success: true, text: "done" });
process.stdout.write("trailing text without newline");
