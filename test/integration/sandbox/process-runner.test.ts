import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createProcessRunner } from "../../../src/sandbox/create-process-runner.ts";
import { DEFAULT_PATH } from "../../../src/sandbox/default-path.ts";
import type { ProcessRunner } from "../../../src/sandbox/process-runner.ts";

const dirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `moderator-${prefix}-`));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Alive = exists and is not a zombie waiting to be reaped. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

const PRINT_ENV = ["node", "-e", "process.stdout.write(JSON.stringify(process.env))"];

let none: ProcessRunner;
let bwrap: ProcessRunner;
beforeAll(async () => {
  none = await createProcessRunner({ mode: "none" });
  bwrap = await createProcessRunner({ mode: "bwrap" });
});

describe("createProcessRunner", () => {
  it("auto picks bwrap when it works", async () => {
    const lines: string[] = [];
    const runner = await createProcessRunner({ mode: "auto", log: (l) => lines.push(l) });
    expect(runner.mode).toBe("bwrap");
    expect(lines).toEqual([]);
  });

  it("auto falls back to none with exactly one loud warning when bwrap is missing", async () => {
    const lines: string[] = [];
    const runner = await createProcessRunner({ mode: "auto", bwrapPath: "/nonexistent/bwrap", log: (l) => lines.push(l) });
    expect(runner.mode).toBe("none");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/WARNING: NO SANDBOX/);
    const cwd = await tempDir("auto");
    const result = await runner.run({ command: ["true"], cwd, env: {}, timeoutMs: 10_000 });
    expect(result.sandbox).toBe("none");
    expect(lines).toHaveLength(1);
  });

  it("bwrap mode fails clearly when bwrap does not work", async () => {
    await expect(createProcessRunner({ mode: "bwrap", bwrapPath: "/nonexistent/bwrap" })).rejects.toThrow(
      /sandbox mode "bwrap" was requested but bubblewrap does not work.*\/nonexistent\/bwrap/,
    );
  });

  it("rejects an unknown mode", async () => {
    await expect(createProcessRunner({ mode: "docker" as "none" })).rejects.toThrow(/sandbox mode must be "auto", "bwrap" or "none", got "docker"/);
  });
});

describe.each([
  ["none", () => none],
  ["bwrap", () => bwrap],
] as const)("process runner (%s)", (mode, runner) => {
  it("gives the child exactly the env it was passed", async () => {
    const cwd = await tempDir("env");
    const result = await runner().run({ command: PRINT_ENV, cwd, env: { PATH: DEFAULT_PATH, ALLOWED: "yes" }, timeoutMs: 20_000 });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ PATH: DEFAULT_PATH, ALLOWED: "yes" });
    expect(result.sandbox).toBe(mode);
  });

  it("adds the default PATH when the env has none", async () => {
    const cwd = await tempDir("env");
    const result = await runner().run({ command: PRINT_ENV, cwd, env: { ONLY: "1" }, timeoutMs: 20_000 });
    expect(JSON.parse(result.stdout)).toEqual({ ONLY: "1", PATH: DEFAULT_PATH });
  });

  it("reports non-zero exits and signals without throwing", async () => {
    const cwd = await tempDir("exit");
    const failed = await runner().run({ command: ["sh", "-c", "echo oops >&2; exit 3"], cwd, env: {}, timeoutMs: 20_000 });
    expect(failed).toMatchObject({ exitCode: 3, signal: null, stderr: "oops\n", timedOut: false, cancelled: false, truncated: false });
    const killed = await runner().run({ command: ["sh", "-c", "kill -KILL $$"], cwd, env: {}, timeoutMs: 20_000 });
    expect(killed).toMatchObject({ exitCode: null, signal: "SIGKILL", timedOut: false });
  });

  it("closes stdin unless input is given", async () => {
    const cwd = await tempDir("stdin");
    const closed = await runner().run({ command: ["cat"], cwd, env: {}, timeoutMs: 20_000 });
    expect(closed).toMatchObject({ exitCode: 0, stdout: "", timedOut: false });
    const fed = await runner().run({ command: ["cat"], cwd, env: {}, timeoutMs: 20_000, input: "hello\nworld" });
    expect(fed.stdout).toBe("hello\nworld");
  });

  it("calls line callbacks for stdout and stderr, including an unterminated last line", async () => {
    const cwd = await tempDir("lines");
    const out: string[] = [];
    const err: string[] = [];
    await runner().run({
      command: ["sh", "-c", "printf 'a\\r\\nb\\n'; printf 'e1\\n' >&2; printf 'tail'"],
      cwd,
      env: {},
      timeoutMs: 20_000,
      onStdoutLine: (l) => out.push(l),
      onStderrLine: (l) => err.push(l),
    });
    expect(out).toEqual(["a", "b", "tail"]);
    expect(err).toEqual(["e1"]);
  });

  it("kills the whole process tree on timeout, including a grandchild in its own session", async () => {
    const cwd = await tempDir("timeout");
    const pidFile = path.join(cwd, "pids");
    const script = `sleep 1000 & echo $! >> ${pidFile}; setsid sleep 1001 & echo $! >> ${pidFile}; echo $$ >> ${pidFile}; echo started; wait`;
    const result = await runner().run({ command: ["bash", "-c", script], cwd, env: {}, timeoutMs: 1500 });
    expect(result.timedOut).toBe(true);
    expect(result.cancelled).toBe(false);
    expect(result.stdout).toBe("started\n");
    // Inside bwrap the pids are namespace pids; there, all of them live in the sandbox's PID
    // namespace, which is gone when bwrap is gone. Outside, check each host pid.
    if (mode === "none") {
      const pids = (await readFile(pidFile, "utf8")).trim().split("\n").map(Number);
      expect(pids).toHaveLength(3);
      for (const pid of pids) expect(isAlive(pid), `pid ${pid} still alive`).toBe(false);
    } else {
      await waitUntil(() => listSleepers(/^sleep 100[01]$/).length === 0);
      expect(listSleepers(/^sleep 100[01]$/)).toEqual([]);
    }
  });

  it("escalates to SIGKILL when the child ignores SIGTERM", async () => {
    const cwd = await tempDir("stubborn");
    const result = await runner().run({
      command: ["bash", "-c", "trap '' TERM; echo ready; while true; do sleep 0.1; done"],
      cwd,
      env: {},
      timeoutMs: 1000,
    });
    expect(result.timedOut).toBe(true);
    expect(result.stdout).toBe("ready\n");
  });

  it("stops the run when the signal aborts", async () => {
    const cwd = await tempDir("abort");
    const controller = new AbortController();
    const result = await runner().run({
      command: ["bash", "-c", "echo go; sleep 1000"],
      cwd,
      env: {},
      timeoutMs: 60_000,
      signal: controller.signal,
      onStdoutLine: (line) => {
        if (line === "go") controller.abort();
      },
    });
    expect(result).toMatchObject({ cancelled: true, timedOut: false, stdout: "go\n" });
  });

  it("does not start at all when the signal is already aborted", async () => {
    const cwd = await tempDir("aborted");
    const controller = new AbortController();
    controller.abort();
    const result = await runner().run({ command: ["sh", "-c", `touch ${path.join(cwd, "ran")}`], cwd, env: {}, timeoutMs: 10_000, signal: controller.signal });
    expect(result.cancelled).toBe(true);
    expect(existsSync(path.join(cwd, "ran"))).toBe(false);
  });

  it("keeps only the tail of a 200 MB flood", async () => {
    const cwd = await tempDir("flood");
    const result = await runner().run({
      command: ["bash", "-c", "yes 'flood line' | head -c 209715200; echo END"],
      cwd,
      env: {},
      timeoutMs: 120_000,
      maxOutputBytes: 64 * 1024,
    });
    expect(result.exitCode).toBe(0);
    expect(result.truncated).toBe(true);
    expect(Buffer.byteLength(result.stdout)).toBeLessThanOrEqual(64 * 1024);
    expect(result.stdout.endsWith("END\n")).toBe(true);
  });

  it("cuts lines at 64 KiB", async () => {
    const cwd = await tempDir("longline");
    const lines: string[] = [];
    await runner().run({
      command: ["bash", "-c", "head -c 5000000 /dev/zero | tr '\\0' x; echo; echo short"],
      cwd,
      env: {},
      timeoutMs: 60_000,
      maxOutputBytes: 1024,
      onStdoutLine: (l) => lines.push(l),
    });
    expect(lines.map((l) => l.length)).toEqual([64 * 1024, 5]);
  });

  it("throws a clear error when the program does not exist", async () => {
    const cwd = await tempDir("enoent");
    await expect(runner().run({ command: ["definitely-not-a-program-xyz", "--help"], cwd, env: {}, timeoutMs: 10_000 })).rejects.toThrow(
      /cannot run "definitely-not-a-program-xyz": not found on PATH/,
    );
    await expect(runner().run({ command: ["/nonexistent/agent"], cwd, env: {}, timeoutMs: 10_000 })).rejects.toThrow(
      /cannot run "\/nonexistent\/agent": \/nonexistent\/agent does not exist/,
    );
    await expect(runner().run({ command: ["true"], cwd: path.join(cwd, "missing"), env: {}, timeoutMs: 10_000 })).rejects.toThrow(
      /working directory .*missing does not exist/,
    );
  });

  it("kills what the main process left running in its group", async () => {
    const cwd = await tempDir("leftover");
    const pidFile = path.join(cwd, "pid");
    const result = await runner().run({
      command: ["bash", "-c", `sleep 1002 > /dev/null 2>&1 & echo $! > ${pidFile}; echo done`],
      cwd,
      env: {},
      timeoutMs: 30_000,
    });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, stdout: "done\n" });
    if (mode === "none") {
      const pid = Number((await readFile(pidFile, "utf8")).trim());
      await waitUntil(() => !isAlive(pid));
      expect(isAlive(pid)).toBe(false);
    } else {
      await waitUntil(() => listSleepers(/^sleep 1002$/).length === 0);
      expect(listSleepers(/^sleep 1002$/)).toEqual([]);
    }
  });
});

/** Live host processes whose command line matches (what the kill tests start), as "pid cmdline". */
function listSleepers(pattern: RegExp): string[] {
  const found: string[] = [];
  for (const entry of readdirSyncSafe("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
      if (pattern.test(cmd) && isAlive(Number(entry))) found.push(`${entry} ${cmd}`);
    } catch {
      // gone
    }
  }
  return found;
}

function readdirSyncSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

async function waitUntil(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !predicate(); i++) await new Promise((r) => setTimeout(r, 50));
}

describe("bwrap sandbox", () => {
  it("hides everything outside the clone and lets the child write in cwd", async () => {
    const clone = await tempDir("clone");
    const other = await tempDir("other");
    const secret = path.join(other, "secret.txt");
    await writeFile(secret, "top secret");
    const read = await bwrap.run({ command: ["cat", secret], cwd: clone, env: {}, timeoutMs: 20_000 });
    expect(read.exitCode).not.toBe(0);
    expect(read.stdout).toBe("");
    expect(read.stderr).toMatch(/No such file or directory/);

    const root = await bwrap.run({ command: ["ls", "/root"], cwd: clone, env: {}, timeoutMs: 20_000 });
    expect(root.exitCode).not.toBe(0);
    const work = await bwrap.run({ command: ["sh", "-c", "test -e /work || test -e /home/x || echo hidden"], cwd: clone, env: {}, timeoutMs: 20_000 });
    expect(work.stdout).toBe("hidden\n");

    const write = await bwrap.run({ command: ["sh", "-c", "echo made > out.txt && pwd"], cwd: clone, env: {}, timeoutMs: 20_000 });
    expect(write).toMatchObject({ exitCode: 0, stdout: `${clone}\n` });
    expect(await readFile(path.join(clone, "out.txt"), "utf8")).toBe("made\n");
  });

  it("makes readOnlyPaths readable but not writable, and HOME writable", async () => {
    const clone = await tempDir("clone");
    const scratch = await tempDir("scratch");
    await writeFile(path.join(scratch, "task.json"), "{}");
    const home = path.join(scratch, "home");
    const result = await bwrap.run({
      command: ["sh", "-c", `cat ${scratch}/task.json; echo x > ${scratch}/task.json || echo ro; echo h > $HOME/file && echo home-ok`],
      cwd: clone,
      env: { HOME: home },
      readOnlyPaths: [scratch],
      timeoutMs: 20_000,
    });
    expect(result.stdout).toBe("{}ro\nhome-ok\n");
    expect(await readFile(path.join(home, "file"), "utf8")).toBe("h\n");
    expect(await readFile(path.join(scratch, "task.json"), "utf8")).toBe("{}");
  });

  it("makes writablePaths writable", async () => {
    const clone = await tempDir("clone");
    const cache = await tempDir("cache");
    const result = await bwrap.run({ command: ["sh", "-c", `echo c > ${cache}/c.txt`], cwd: clone, env: {}, writablePaths: [cache], timeoutMs: 20_000 });
    expect(result.exitCode).toBe(0);
    expect(await readFile(path.join(cache, "c.txt"), "utf8")).toBe("c\n");
  });

  it("starts a program given by absolute path outside the system folders", async () => {
    const clone = await tempDir("clone");
    const bin = await tempDir("bin");
    const agent = path.join(bin, "agent.sh");
    await writeFile(agent, "#!/bin/sh\necho agent ran\n", { mode: 0o755 });
    const result = await bwrap.run({ command: [agent], cwd: clone, env: {}, timeoutMs: 20_000 });
    expect(result).toMatchObject({ exitCode: 0, stdout: "agent ran\n" });
  });

  it("never shares the host's network: even with an allow-list, the host's Redis is out of reach", async () => {
    const clone = await tempDir("clone");
    const probe = ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/6379 && echo connected"];
    const off = await bwrap.run({ command: probe, cwd: clone, env: {}, timeoutMs: 20_000 });
    expect(off.exitCode).not.toBe(0);
    expect(off.stdout).toBe("");
    const on = await bwrap.run({ command: probe, cwd: clone, env: {}, timeoutMs: 20_000, network: { allow: ["registry.npmjs.org"] } });
    expect(on.exitCode).not.toBe(0);
    expect(on.stdout).toBe("");
  });

  it("fails clearly when a sandbox path does not exist", async () => {
    const clone = await tempDir("clone");
    await mkdir(path.join(clone, "x"));
    await expect(bwrap.run({ command: ["true"], cwd: clone, env: {}, readOnlyPaths: ["/nonexistent/ro"], timeoutMs: 10_000 })).rejects.toThrow(
      /sandbox path \/nonexistent\/ro does not exist/,
    );
  });
});
