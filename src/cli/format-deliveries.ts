import type { WebhookDelivery } from "../generated/prisma/client.ts";

/** `moderator deliveries`: one line per delivery, newest first. Pure. */
export function formatDeliveries(rows: WebhookDelivery[]): string {
  if (rows.length === 0) return "no deliveries";
  const lines = rows.map((d) => {
    const what = `${d.event}${d.action ? `.${d.action}` : ""}`;
    const result = d.status === "handled" ? (d.outcome ?? "") : (d.error ?? d.outcome ?? "");
    const times = d.receivedCount > 1 ? ` ×${d.receivedCount}` : "";
    return [d.receivedAt.toISOString().replace(/\.\d+Z$/, "Z"), d.id, d.status.padEnd(10), what.padEnd(36), d.repository ?? "", `${result.replace(/\s+/g, " ").slice(0, 160)}${times}`]
      .join("  ")
      .trimEnd();
  });
  return ["received              delivery                              status      event                                 repository  outcome", ...lines].join("\n");
}
