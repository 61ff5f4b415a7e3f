import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAINTAINER, OWNER, REPO, scriptedAgentYaml, startHarness, WEBHOOK_SECRET, type Harness } from "../support/moderator-harness.ts";
import { allExamples, issueLabeled } from "../support/payloads.ts";
import { signWebhook } from "../support/sign-webhook.ts";

// Malformed but correctly signed webhooks: before durable intake, 94 of 1,895 fuzzed deliveries answered 500 (over-long
// event names and odd ids reaching Prisma, a schema error on pull_request.closed thrown, a missing installation id,
// errors inside the webhook library). Now each gets a 4xx saying what is wrong, or is handled; never a 500.

const HANDLED: Array<[string, string]> = [
  ["issues", "labeled"],
  ["issue_comment", "created"],
  ["issue_comment", "edited"],
  ["pull_request_review_comment", "created"],
  ["pull_request", "closed"],
  ["check_run", "requested_action"],
  ["check_run", "rerequested"],
  ["check_suite", "rerequested"],
];

/** A small seeded generator, so a failure names a case that can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_VALUES: unknown[] = [null, "", 0, -1, 1e308, "x".repeat(5000), [], {}, true, "\u0000\u202e", { nested: { deeper: [1, "2"] } }];

function paths(value: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out.push([...prefix, k]);
      if (prefix.length < 3) paths(v, [...prefix, k], out);
    }
  }
  return out;
}

function mutate(payload: Record<string, unknown>, next: () => number): Record<string, unknown> {
  const copy = structuredClone(payload);
  const all = paths(copy);
  const times = 1 + Math.floor(next() * 3);
  for (let i = 0; i < times; i++) {
    const p = all[Math.floor(next() * all.length)] ?? ["action"];
    let parent = copy as Record<string, unknown>;
    for (const k of p.slice(0, -1)) parent = (parent[k] ?? {}) as Record<string, unknown>;
    if (typeof parent !== "object" || parent === null) continue;
    const key = p[p.length - 1] as string;
    if (next() < 0.4) delete parent[key];
    else parent[key] = ODD_VALUES[Math.floor(next() * ODD_VALUES.length)];
  }
  return copy;
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ operatorYaml: `${scriptedAgentYaml("clean")}\nintake: { attempts: 1 }` });
  h.fake.addIssue(OWNER, REPO, { number: 90, title: "Still works" });
});
afterAll(async () => {
  await h.close();
});

async function raw(event: string, deliveryId: string, body: string, signature = signWebhook(WEBHOOK_SECRET, body)): Promise<number> {
  const res = await fetch(`${h.moderator.url}/api/github/webhooks`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": event, "x-github-delivery": deliveryId, "x-hub-signature-256": signature },
    body,
  });
  await res.text();
  return res.status;
}

describe("intake under fuzzed, correctly signed webhooks", () => {
  it("answers every malformed delivery with a 4xx, handles the rest, and never answers 500", async () => {
    const next = rng(20261207);
    const statuses = new Map<number, number>();
    const count = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);
    const seeds = HANDLED.flatMap(([event, action]) => allExamples(event, action).map((p) => ({ event, p })));
    expect(seeds.length).toBeGreaterThan(8);
    for (let i = 0; i < 240; i++) {
      const { event, p } = seeds[i % seeds.length] as { event: string; p: Record<string, unknown> };
      count(await raw(event, `fuzz-${i}-${randomBytes(3).toString("hex")}`, JSON.stringify(mutate(p, next))));
    }
    // Odd headers and bodies.
    const body = JSON.stringify(issueLabeled({ number: 90, title: "x", sender: "nobody" }));
    for (const event of ["x".repeat(300), "issues labeled", "../etc/passwd", "ISSUES", ""]) count(await raw(event, `odd-event-${randomBytes(3).toString("hex")}`, body));
    for (const id of ["", "a b", "x".repeat(500), "../../x", "d%C3%A9livery", "1;DROP TABLE"]) count(await raw("issues", id, body));
    for (const text of ["{", "[]", "null", '"text"', "1", "{\"action\": {}}", "{\"action\": \"labeled\", \"installation\": {\"id\": \"9\"}}"]) count(await raw("issues", `odd-body-${randomBytes(3).toString("hex")}`, text));

    expect([...statuses.keys()].filter((s) => ![200, 202, 400].includes(s))).toEqual([]);
    const summary = JSON.stringify(Object.fromEntries(statuses));
    // Most mutations break the schema (400); the rest are valid or unhandled deliveries (202, 200).
    expect((statuses.get(400) ?? 0) > 40, summary).toBe(true);
    // Nothing reached a handler unvalidated: whatever was queued was settled, none is left in flight.
    await h.waitFor("every queued delivery to settle", async () => (await h.moderator.db.prisma.webhookDelivery.count({ where: { status: { in: ["received", "processing", "retrying"] } } })) === 0, 60_000);
    const rejected = await h.moderator.db.prisma.webhookDelivery.findMany({ where: { status: "rejected" } });
    expect(rejected.length).toBeGreaterThan(40);
    expect(rejected.every((d) => d.payload === null && (d.error ?? "").startsWith("malformed: ") && /^[A-Za-z0-9._-]{1,100}$/.test(d.id))).toBe(true);

    // And the process still serves a real trigger.
    const ok = await h.send("issues", issueLabeled({ number: 90, title: "Still works", sender: MAINTAINER }));
    expect(ok.status).toBe(202);
    await h.waitFor("the run", async () => (await h.moderator.db.prisma.execution.count({ where: { issueNumber: 90 } })) === 1);
  });

  it("refuses an unsigned delivery or one signed with another secret with 401", async () => {
    const body = JSON.stringify(issueLabeled({ number: 90, title: "x", sender: MAINTAINER }));
    expect(await raw("issues", "unsigned-1", body, "")).toBe(401);
    expect(await raw("issues", "wrong-1", body, signWebhook("not-the-secret", body))).toBe(401);
    expect(await h.moderator.store.deliveries.get("wrong-1")).toBeNull();
  });
});
