import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/util/logger.ts";

const ANTHROPIC = "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
const SLACK = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUv";
const GITHUB = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

function capture() {
  const lines: string[] = [];
  const log = createLogger("debug", { destination: { write: (line: string) => void lines.push(line) } });
  return { log, text: () => lines.join(""), entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("the logger redacts secrets in every message and error, whatever the call site", () => {
  it("a failed task's message in a field (execute-tasks.ts)", () => {
    const c = capture();
    c.log.info({ executionId: "e1", task: 0, error: `agent exited 1: Invalid API key ${ANTHROPIC}` }, "task failed and was rolled back");
    expect(c.text()).not.toContain(ANTHROPIC);
    expect(c.entries()[0]?.["error"]).toBe("agent exited 1: Invalid API key sk-ant-****");
  });

  it("an attempt error as `err` (run-execution.ts), its stack and its cause", () => {
    const c = capture();
    const err = new Error(`slack said no to ${SLACK}`, { cause: new Error(`push failed for https://x-access-token:${GITHUB}@github.com/o/r.git`) });
    c.log.warn({ err, executionId: "e1", phase: "execute", attempt: 1 }, "run attempt failed");
    const text = c.text();
    expect(text).not.toContain(SLACK.slice(5));
    expect(text).not.toContain(GITHUB);
    const entry = c.entries()[0] as { err: { message: string; stack: string; type: string } };
    expect(entry.err.type).toBe("Error");
    expect(entry.err.message).toBe("slack said no to xoxb-****: push failed for https://x-access-token:ghp_****@github.com/o/r.git");
    expect(entry.err.stack).toContain("slack said no to xoxb-****");
  });

  it("an error as the only argument, an interpolated message, a nested object and a child logger", () => {
    const c = capture();
    c.log.error(new Error(`boom ${ANTHROPIC}`));
    c.log.info("token is %s", GITHUB);
    c.log.info({ request: { headers: { authorization: `Bearer ${GITHUB}` } }, list: [ANTHROPIC] }, "nested");
    c.log.child({ executionId: "e2" }).warn(`plain message with ${SLACK}`);
    const text = c.text();
    for (const secret of [ANTHROPIC, GITHUB, SLACK.slice(5)]) expect(text).not.toContain(secret);
    expect(c.entries()).toHaveLength(4);
    expect(c.entries()[3]?.["executionId"]).toBe("e2");
  });

  it("leaves ordinary values alone", () => {
    const c = capture();
    c.log.info({ executionId: "1b6f0c1e-93c5-4c44-9a39-3f0c8f0b9a11", count: 3, ok: true, sha: "0123456789abcdef0123456789abcdef01234567" }, "run finished");
    expect(c.entries()[0]).toMatchObject({ executionId: "1b6f0c1e-93c5-4c44-9a39-3f0c8f0b9a11", count: 3, ok: true, sha: "0123456789abcdef0123456789abcdef01234567", msg: "run finished" });
  });
});
