/**
 * How a CLI agent is started, as data, so a known start-up failure can be fixed by editing the plan
 * (drop a flag an older CLI does not know, add the flag the CLI asks for) and relaunching. Pure.
 */
export interface ArgPart {
  /** The argv tokens of this part, e.g. ["--max-turns", "30"]. */
  tokens: string[];
  /** The option this part sets ("--max-turns"); undefined for subcommands and positionals. */
  flag?: string;
  /** May be left out when the CLI does not know the flag (an older version). */
  optional?: boolean;
  /** Tokens to use instead when the CLI does not know the flag (e.g. aider's older "--yes"). */
  fallback?: string[];
  /** adapter: built from the backend's options; operator: `args`; prompt: carries the prompt (last token). */
  source: "adapter" | "operator" | "prompt";
}

export interface LaunchPlan {
  parts: ArgPart[];
  /** Adapter-set environment (added to the allow-listed pass-through; HOME is set by the runner). */
  env: Record<string, string>;
  /** Folders to create before the launch (the CLI's config home inside the agent's HOME). */
  makeDirs: string[];
}

/** The argv after the binary. */
export function flattenPlan(plan: LaunchPlan): string[] {
  return plan.parts.flatMap((p) => p.tokens);
}

/** The argv for reports: the prompt is replaced by its length (it is long, and stored elsewhere). */
export function describePlan(binary: string, plan: LaunchPlan): string[] {
  const out = [binary];
  for (const part of plan.parts) {
    if (part.source !== "prompt") {
      out.push(...part.tokens);
      continue;
    }
    const last = part.tokens.length - 1;
    part.tokens.forEach((t, i) => out.push(i === last ? `<prompt: ${t.length} chars>` : t));
  }
  return out;
}

export function hasFlag(plan: LaunchPlan, flag: string): boolean {
  return plan.parts.some((p) => p.flag === flag);
}

export function withoutFlags(plan: LaunchPlan, flags: readonly string[]): LaunchPlan {
  return { ...plan, parts: plan.parts.filter((p) => p.flag === undefined || !flags.includes(p.flag)) };
}

/** Adds parts after the adapter's own parts: before the operator's args and a trailing positional prompt. */
export function withParts(plan: LaunchPlan, parts: ArgPart[]): LaunchPlan {
  let at = plan.parts.findIndex((p) => p.source === "operator");
  const last = plan.parts.at(-1);
  if (at === -1) at = last?.source === "prompt" && last.flag === undefined ? plan.parts.length - 1 : plan.parts.length;
  return { ...plan, parts: [...plan.parts.slice(0, at), ...parts, ...plan.parts.slice(at)] };
}

export function withEnv(plan: LaunchPlan, env: Record<string, string>): LaunchPlan {
  return { ...plan, env: { ...plan.env, ...env } };
}

/** Operator args as parts: an option token gets `flag` so a recovery can find it. */
export function operatorParts(args: readonly string[]): ArgPart[] {
  return args.map((token) => (token.startsWith("-") ? { tokens: [token], flag: token.split("=", 1)[0]!, source: "operator" as const } : { tokens: [token], source: "operator" as const }));
}

/**
 * The plan without the flags a CLI rejected as unknown: each rejected flag is replaced by its fallback
 * or dropped when optional. Undefined when one of them is neither (relaunching would fail the same
 * way) or none of them is in the plan. `changes` says what was done, one entry per flag.
 */
export function replaceUnknownFlags(plan: LaunchPlan, unknown: readonly string[]): { plan: LaunchPlan; changes: string[] } | undefined {
  const names = [...new Set(unknown)].filter((f) => hasFlag(plan, f));
  if (names.length === 0) return undefined;
  const changes: string[] = [];
  const parts: ArgPart[] = [];
  for (const part of plan.parts) {
    if (part.flag === undefined || !names.includes(part.flag)) {
      parts.push(part);
      continue;
    }
    if (part.fallback) {
      parts.push({ tokens: [...part.fallback], flag: part.fallback[0], source: part.source });
      changes.push(`${part.tokens.join(" ")} -> ${part.fallback.join(" ")}`);
    } else if (part.optional) {
      changes.push(`dropped ${part.tokens.join(" ")}`);
    } else {
      return undefined;
    }
  }
  return { plan: { ...plan, parts }, changes: [...new Set(changes)] };
}
