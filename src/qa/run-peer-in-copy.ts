import { constants as fsConstants, lstatSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import type { AgentEvent, AgentResult, AgentTask, Backend } from "../backends/backend.ts";
import type { ProcessRunner } from "../sandbox/process-runner.ts";
import { truncate } from "./format.ts";

export interface PeerCopyContext {
  /** The folder the peer gets a copy of (it never runs in it). */
  workdir: string;
  /** A private folder; the peer's copy and scratch folder are made in it and deleted after. */
  scratchDir: string;
  runner: ProcessRunner;
  signal?: AbortSignal;
  onEvent?: (peer: string, event: AgentEvent) => void;
}

/** What every peer run (a review of one change, a ranking of a race's candidates) is told about the work. */
export interface PeerTaskContext extends PeerCopyContext {
  repository: AgentTask["repository"];
  issue: AgentTask["issue"];
  branch: string;
  baseBranch: string;
  /** Values to mask in what the peers say. */
  knownSecrets?: readonly string[];
  /** Characters of diff in the prompt at most. Default 60,000. */
  maxDiffChars?: number;
}

export type PeerRunOutcome =
  /** The agent ran (in any status); `texts` are where its answer may be: its result text, its messages (last first), its output tail. */
  | { ok: true; result: AgentResult; texts: string[] }
  /** It could not be set up or started. */
  | { ok: false; problem: string };

/**
 * Run a peer agent on `task` in its OWN COPY of `workdir` (made with fs.cp, symlinks copied as links, sockets and
 * FIFOs skipped) with its own scratch folder, both deleted afterwards: nothing a peer does reaches the original.
 * Never throws.
 */
export async function runPeerInCopy(peer: Backend, task: AgentTask, ctx: PeerCopyContext): Promise<PeerRunOutcome> {
  let peerDir: string | undefined;
  try {
    peerDir = await mkdtemp(path.join(ctx.scratchDir, `peer-${peerSlug(peer.name)}-`));
    const copy = path.join(peerDir, "repo");
    const scratch = path.join(peerDir, "scratch");
    await mkdir(scratch, { recursive: true });
    try {
      await cp(ctx.workdir, copy, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false, mode: fsConstants.COPYFILE_FICLONE, filter: copyable });
    } catch (err) {
      return { ok: false, problem: `could not copy the clone for the peer: ${(err as Error).message}` };
    }
    let resultText: string | undefined;
    const messages: string[] = [];
    const onEvent = (event: AgentEvent): void => {
      if (event.kind === "message") messages.push(event.text);
      if (event.kind === "result" && event.text !== undefined) resultText = event.text;
      ctx.onEvent?.(peer.name, event);
    };
    let result: AgentResult;
    try {
      result = await peer.run({ task, workdir: copy, runner: ctx.runner, scratchDir: scratch, ...(ctx.signal ? { signal: ctx.signal } : {}), onEvent });
    } catch (err) {
      return { ok: false, problem: `the peer agent could not run: ${(err as Error).message}` };
    }
    return { ok: true, result, texts: [...(resultText !== undefined ? [resultText] : []), ...[...messages].reverse(), result.outputTail] };
  } catch (err) {
    return { ok: false, problem: `the peer review could not be set up: ${(err as Error).message}` };
  } finally {
    if (peerDir) await rm(peerDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Why a peer run that did not succeed gave no answer, with the end of its output. */
export function describePeerFailure(result: AgentResult): string {
  const why = result.error ?? result.status;
  const tail = result.outputTail.trim() ? ` Its output ends with: ${truncate(result.outputTail.trim().split("\n").slice(-5).join(" | "), 600)}` : "";
  return `the peer agent ${result.status === "timed_out" ? "timed out" : "did not finish"}: ${why}.${tail}`;
}

/** Regular files, folders and symlinks are copied; sockets, FIFOs and devices are skipped (fs.cp cannot copy them). */
function copyable(source: string): boolean {
  try {
    const st = lstatSync(source);
    return st.isFile() || st.isDirectory() || st.isSymbolicLink();
  } catch {
    return false;
  }
}

/** A name made safe for folder names and rule ids. */
export function peerSlug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || "peer";
}
