import type {
  AgentRun,
  Execution,
  ExecutionEvent,
  ExecutionKind,
  ExecutionStatus,
  Finding as FindingRow,
  Prisma,
  PrismaClient,
  Repository,
  Task,
  TaskStatus,
} from "../generated/prisma/client.ts";
import type { Finding } from "../qa/finding.ts";
import { DeliveryStore } from "./delivery-store.ts";
import { isRecordNotFound } from "./is-record-not-found.ts";
import { isUniqueViolation } from "./is-unique-violation.ts";

export interface RepositoryInput {
  githubId: number | bigint;
  owner: string;
  name: string;
  installationId?: number | bigint | null;
  defaultBranch?: string | null;
}

export interface CreateExecutionInput {
  repositoryId: number;
  issueNumber: number;
  issueTitle: string;
  trigger: string;
  triggeredBy: string;
  deliveryId?: string | null;
  kind?: ExecutionKind;
  backend?: string | null;
  /** Free text of `/moderator run <text>`. */
  instructions?: string | null;
  /** A follow-up run: continue the branch from this commit, addressing `followUp`. */
  continueFrom?: string | null;
  /** For kind `improve`: the Improvement it implements. Its active key is the improvement, not the issue. */
  improvementId?: string | null;
  followUp?: Prisma.InputJsonObject | null;
  /** The issue body the writer approved by triggering the run. */
  approvedBody?: string | null;
  triggeredAt?: Date | null;
}

export type CreateExecutionResult =
  | { created: true; execution: Execution }
  /** A run is already active for that issue: `execution` is that run. */
  | { created: false; execution: Execution };

/** Columns a caller may change on an execution (not its identity nor `activeKey`, see finishExecution). */
export type ExecutionPatch = Omit<
  Prisma.ExecutionUncheckedUpdateManyInput,
  "id" | "repositoryId" | "activeKey" | "createdAt" | "updatedAt"
>;

export type FinishedStatus = Extract<ExecutionStatus, "completed" | "failed" | "cancelled">;

export interface EventInput {
  type: string;
  phase?: string | null;
  level?: string;
  message?: string;
  data?: Prisma.InputJsonValue;
  agentRunId?: string | null;
}

export interface TaskInput {
  executionId: string;
  index: number;
  title: string;
  description: string;
  type?: string;
  dependsOn?: number[];
  status?: TaskStatus;
}

export type TaskPatch = Omit<Prisma.TaskUncheckedUpdateManyInput, "id" | "executionId">;

export interface AgentRunInput {
  executionId: string;
  taskId?: string | null;
  backend: string;
  command?: Prisma.InputJsonValue;
}

export type AgentRunPatch = Omit<Prisma.AgentRunUncheckedUpdateManyInput, "id" | "executionId" | "startedAt">;

export interface ListExecutionsOptions {
  /** Default 50. */
  limit?: number;
  status?: ExecutionStatus | ExecutionStatus[];
  repositoryId?: number;
}

export type ExecutionWithRepository = Execution & { repository: Repository };

const CREATE_EXECUTION_ATTEMPTS = 5;

/** Callbacks the Store calls after a write succeeded (metrics); they must not throw. */
export interface StoreObserver {
  executionFinished?(execution: Execution): void;
  eventAppended?(event: ExecutionEvent): void;
}

/**
 * Moderator's data access: thin, typed wrappers over Prisma, with the race-safe bits (delivery dedupe,
 * one active execution per issue) done with unique constraints rather than read-then-write.
 */
export class Store {
  readonly prisma: PrismaClient;
  /** Webhook deliveries: stored by intake, handled by workers. */
  readonly deliveries: DeliveryStore;

  /** Told of what the steps record (metrics). */
  readonly observer: StoreObserver;

  constructor(prisma: PrismaClient, observer: StoreObserver = {}) {
    this.prisma = prisma;
    this.observer = observer;
    this.deliveries = new DeliveryStore(prisma);
  }

  /** Creates or refreshes the repository identified by its GitHub id (owner/name may have changed). */
  async upsertRepository(input: RepositoryInput): Promise<Repository> {
    const data = {
      owner: input.owner,
      name: input.name,
      ...(input.installationId === undefined ? {} : { installationId: input.installationId }),
      ...(input.defaultBranch === undefined ? {} : { defaultBranch: input.defaultBranch }),
    };
    const where = { githubId: input.githubId };
    try {
      return await this.prisma.repository.upsert({ where, create: { githubId: input.githubId, ...data }, update: data });
    } catch (err) {
      // Two first sightings at once: the other insert won; update that row.
      if (!isUniqueViolation(err)) throw err;
      return this.prisma.repository.update({ where, data });
    }
  }

  async setDeliveryOutcome(id: string, outcome: string, executionId?: string): Promise<void> {
    await orNotFound(
      this.prisma.webhookDelivery.update({
        where: { id },
        data: { outcome, ...(executionId === undefined ? {} : { executionId }) },
      }),
      `webhook delivery ${id}`,
    );
  }

  /**
   * Creates a queued execution for an issue unless one is already active for it, in which case that one is
   * returned. Race-safe across processes: the unique `activeKey` decides.
   */
  async createExecution(input: CreateExecutionInput): Promise<CreateExecutionResult> {
    const activeKey = input.improvementId ? `${input.repositoryId}#improvement-${input.improvementId}` : `${input.repositoryId}#${input.issueNumber}`;
    for (let attempt = 0; attempt < CREATE_EXECUTION_ATTEMPTS; attempt++) {
      try {
        const execution = await this.prisma.execution.create({
          data: {
            repositoryId: input.repositoryId,
            issueNumber: input.issueNumber,
            issueTitle: input.issueTitle,
            trigger: input.trigger,
            triggeredBy: input.triggeredBy,
            deliveryId: input.deliveryId ?? null,
            backend: input.backend ?? null,
            instructions: input.instructions ?? null,
            continueFrom: input.continueFrom ?? null,
            improvementId: input.improvementId ?? null,
            ...(input.followUp ? { followUp: input.followUp } : {}),
            ...(input.approvedBody !== undefined ? { approvedBody: input.approvedBody } : {}),
            ...(input.triggeredAt ? { triggeredAt: input.triggeredAt } : {}),
            ...(input.kind === undefined ? {} : { kind: input.kind }),
            activeKey,
          },
        });
        return { created: true, execution };
      } catch (err) {
        if (!isUniqueViolation(err, "activeKey")) throw err;
      }
      const active = await this.prisma.execution.findUnique({ where: { activeKey } });
      if (active !== null) return { created: false, execution: active };
      // The active run finished between our insert and our read: try again.
    }
    throw new Error(
      `createExecution: repository ${input.repositoryId} issue #${input.issueNumber}: the active run kept ` +
        `changing during ${CREATE_EXECUTION_ATTEMPTS} attempts`,
    );
  }

  async getExecution(id: string): Promise<ExecutionWithRepository | null> {
    return this.prisma.execution.findUnique({ where: { id }, include: { repository: true } });
  }

  /** The execution currently active (not finished) for an issue, if any. */
  async findActiveExecution(repositoryId: number, issueNumber: number): Promise<Execution | null> {
    return this.prisma.execution.findUnique({ where: { activeKey: `${repositoryId}#${issueNumber}` } });
  }

  async updateExecution(id: string, patch: ExecutionPatch): Promise<Execution> {
    return orNotFound(this.prisma.execution.update({ where: { id }, data: patch }), `execution ${id}`);
  }

  /**
   * Executions a worker should be running (not final, not waiting for a maintainer) that nobody has written to since
   * `notUpdatedSince`, oldest first, with their repositories; local runs (`moderator run --repo`) are not included.
   */
  async listUnfinishedExecutions(notUpdatedSince: Date, limit = 200): Promise<ExecutionWithRepository[]> {
    return this.prisma.execution.findMany({
      where: {
        status: { in: ["queued", "preparing", "planning", "executing", "qa", "deciding", "publishing", "improving"] },
        updatedAt: { lt: notUpdatedSince },
        trigger: { not: "cli" },
      },
      orderBy: [{ updatedAt: "asc" }, { id: "asc" }],
      take: limit,
      include: { repository: true },
    });
  }

  /** Runs waiting on a maintainer that nothing wrote to since `notUpdatedSince` (oldest first). */
  async listWaitingExecutions(notUpdatedSince: Date, limit = 200): Promise<Execution[]> {
    return this.prisma.execution.findMany({
      where: { status: "waiting_for_human", updatedAt: { lt: notUpdatedSince } },
      orderBy: [{ updatedAt: "asc" }, { id: "asc" }],
      take: limit,
    });
  }

  /**
   * Applies `patch` only when the execution is unchanged since it was read (`updatedAt` still `seenUpdatedAt`, not
   * final): the claim of one process that acts on it, lost when a worker or another process wrote in between.
   */
  async claimExecution(id: string, seenUpdatedAt: Date, patch: ExecutionPatch): Promise<boolean> {
    const res = await this.prisma.execution.updateMany({
      where: { id, updatedAt: seenUpdatedAt, status: { notIn: ["completed", "failed", "cancelled"] } },
      data: patch,
    });
    return res.count === 1;
  }

  /** How many events of `type` an execution has (e.g. how often it was recovered). */
  async countEvents(executionId: string, type: string): Promise<number> {
    return this.prisma.executionEvent.count({ where: { executionId, type } });
  }

  /** Ends an execution: sets its status and finishedAt, and frees the issue for a new run. */
  async finishExecution(id: string, status: FinishedStatus, patch: ExecutionPatch = {}): Promise<Execution> {
    const row = await orNotFound(
      this.prisma.execution.update({
        where: { id },
        data: { ...patch, status, finishedAt: new Date(), activeKey: null },
      }),
      `execution ${id}`,
    );
    this.observer.executionFinished?.(row);
    return row;
  }

  async appendEvent(executionId: string, event: EventInput): Promise<ExecutionEvent> {
    const row = await this.prisma.executionEvent.create({
      data: {
        executionId,
        type: event.type,
        phase: event.phase ?? null,
        agentRunId: event.agentRunId ?? null,
        ...(event.level === undefined ? {} : { level: event.level }),
        ...(event.message === undefined ? {} : { message: event.message }),
        ...(event.data === undefined ? {} : { data: event.data }),
      },
    });
    this.observer.eventAppended?.(row);
    return row;
  }

  /** Events of an execution in the order they were appended; `afterId` continues a previous read. */
  async listEvents(
    executionId: string,
    opts: { afterId?: bigint | number; limit?: number } = {},
  ): Promise<ExecutionEvent[]> {
    return this.prisma.executionEvent.findMany({
      where: { executionId, ...(opts.afterId === undefined ? {} : { id: { gt: opts.afterId } }) },
      orderBy: { id: "asc" },
      ...(opts.limit === undefined ? {} : { take: opts.limit }),
    });
  }

  async createTask(input: TaskInput): Promise<Task> {
    return this.prisma.task.create({
      data: {
        executionId: input.executionId,
        index: input.index,
        title: input.title,
        description: input.description,
        dependsOn: input.dependsOn ?? [],
        ...(input.type === undefined ? {} : { type: input.type }),
        ...(input.status === undefined ? {} : { status: input.status }),
      },
    });
  }

  /**
   * A worker that died (or was killed) leaves its agent run and task "running". The next attempt calls this
   * first: such rows become crashed / failed, with the reason. Returns how many agent runs were closed.
   */
  async closeAbandonedWork(executionId: string, reason: string): Promise<number> {
    const runs = await this.prisma.agentRun.updateMany({
      where: { executionId, status: "running" },
      data: { status: "crashed", error: reason, finishedAt: new Date() },
    });
    await this.prisma.task.updateMany({ where: { executionId, status: "running" }, data: { status: "failed", error: reason, finishedAt: new Date() } });
    return runs.count;
  }

  /** For local runs (`moderator run --repo`): one more than the highest issue number used on the repository. */
  async nextLocalIssueNumber(repositoryId: number): Promise<number> {
    const top = await this.prisma.execution.aggregate({ where: { repositoryId }, _max: { issueNumber: true } });
    return (top._max.issueNumber ?? 0) + 1;
  }

  /** Fingerprints a maintainer dismissed in this repository: never posted again. */
  async dismissedFingerprints(repositoryId: number): Promise<Set<string>> {
    const rows = await this.prisma.finding.findMany({ where: { repositoryId, status: "dismissed" }, select: { fingerprint: true }, distinct: ["fingerprint"] });
    return new Set(rows.map((r) => r.fingerprint));
  }

  /** How many tasks the execution has (a retried run numbers its new tasks after the old ones). */
  async countTasks(executionId: string): Promise<number> {
    return this.prisma.task.count({ where: { executionId } });
  }

  async updateTask(id: string, patch: TaskPatch): Promise<Task> {
    return orNotFound(this.prisma.task.update({ where: { id }, data: patch }), `task ${id}`);
  }

  async createAgentRun(input: AgentRunInput): Promise<AgentRun> {
    return this.prisma.agentRun.create({
      data: {
        executionId: input.executionId,
        taskId: input.taskId ?? null,
        backend: input.backend,
        ...(input.command === undefined ? {} : { command: input.command }),
      },
    });
  }

  /** The cost an agent has reported so far, while it runs (a race's cost cap reads it). */
  async recordAgentRunCost(id: string, costUsd: number): Promise<void> {
    await this.prisma.agentRun.updateMany({ where: { id, finishedAt: null }, data: { costUsd } });
  }

  /** Records how an agent run ended (status, exit code, usage...) and sets finishedAt. */
  async finishAgentRun(id: string, patch: AgentRunPatch): Promise<AgentRun> {
    return orNotFound(
      this.prisma.agentRun.update({ where: { id }, data: { finishedAt: new Date(), ...patch } }),
      `agent run ${id}`,
    );
  }

  /**
   * Stores an execution's QA findings; a fingerprint already stored for this execution is skipped.
   * `extra` marks findings posted as inline review comments. Returns how many rows were inserted.
   */
  async saveFindings(
    executionId: string,
    repositoryId: number,
    findings: readonly Finding[],
    extra?: ReadonlyMap<string, { inline: boolean }>,
  ): Promise<number> {
    if (findings.length === 0) return 0;
    const result = await this.prisma.finding.createMany({
      data: findings.map((f) => ({
        executionId,
        repositoryId,
        source: f.source,
        ruleId: f.ruleId,
        severity: f.severity,
        confidence: f.confidence,
        path: f.path ?? null,
        line: f.line ?? null,
        endLine: f.endLine ?? null,
        title: f.title,
        message: f.message,
        suggestion: f.suggestion ?? null,
        fingerprint: f.fingerprint,
        inline: extra?.get(f.fingerprint)?.inline ?? false,
      })),
      skipDuplicates: true,
    });
    return result.count;
  }

  /** An execution's findings by file and line (findings without a file first). */
  async listFindings(executionId: string): Promise<FindingRow[]> {
    return this.prisma.finding.findMany({
      where: { executionId },
      orderBy: [
        { path: { sort: "asc", nulls: "first" } },
        { line: { sort: "asc", nulls: "first" } },
        { ruleId: "asc" },
        { fingerprint: "asc" },
      ],
    });
  }

  /** Executions newest first, each with its repository. */
  async listExecutions(opts: ListExecutionsOptions = {}): Promise<ExecutionWithRepository[]> {
    const status = opts.status === undefined ? undefined : Array.isArray(opts.status) ? { in: opts.status } : opts.status;
    return this.prisma.execution.findMany({
      where: {
        ...(status === undefined ? {} : { status }),
        ...(opts.repositoryId === undefined ? {} : { repositoryId: opts.repositoryId }),
      },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: opts.limit ?? 50,
      include: { repository: true },
    });
  }
}

/** Turns Prisma's "record to update not found" (P2025) into an error that names the record. */
async function orNotFound<T>(query: Promise<T>, what: string): Promise<T> {
  try {
    return await query;
  } catch (err) {
    if (isRecordNotFound(err)) throw new Error(`${what} does not exist`, { cause: err });
    throw err;
  }
}
