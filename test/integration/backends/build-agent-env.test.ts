import { describe, expect, it } from "vitest";
import { buildAgentEnv } from "../../../src/backends/build-agent-env.ts";

describe("buildAgentEnv", () => {
  it("passes only allow-listed names that are set", () => {
    const env = buildAgentEnv(["ANTHROPIC_API_KEY", "LANG", "MISSING"], { ANTHROPIC_API_KEY: "k", LANG: "C.UTF-8", OTHER: "x", MISSING: undefined }, {});
    expect(env).toEqual({ ANTHROPIC_API_KEY: "k", LANG: "C.UTF-8" });
  });

  it("adds extra values, which win over pass-through ones", () => {
    const env = buildAgentEnv(["HOME", "PATH"], { HOME: "/root", PATH: "/usr/bin" }, { HOME: "/scratch/home", MODERATOR_TASK_FILE: "/scratch/task.json" });
    expect(env).toEqual({ HOME: "/scratch/home", PATH: "/usr/bin", MODERATOR_TASK_FILE: "/scratch/task.json" });
  });

  it("always drops GitHub credentials and Moderator's secrets, even when allow-listed", () => {
    const denied = [
      "GITHUB_TOKEN",
      "GH_TOKEN",
      "GITHUB_APP_TOKEN",
      "GITHUB_INSTALLATION_TOKEN",
      "MY_GITHUB_TOKEN",
      "GH_ENTERPRISE_TOKEN",
      "GITHUB_CLIENT_SECRET",
      "GITHUB_PAT",
      "GH_PAT_BOT",
      "PRIVATE_KEY",
      "PRIVATE_KEY_PATH",
      "APP_PRIVATE_KEY",
      "WEBHOOK_SECRET",
      "DATABASE_URL",
      "REDIS_URL",
      "github_token",
    ];
    const source = Object.fromEntries(denied.map((n) => [n, "secret"]));
    expect(buildAgentEnv(denied, { ...source, OPENAI_API_KEY: "ok" }, {})).toEqual({});
    expect(buildAgentEnv([...denied, "OPENAI_API_KEY"], { ...source, OPENAI_API_KEY: "ok" }, { GITHUB_TOKEN: "x" })).toEqual({ OPENAI_API_KEY: "ok" });
  });

  it("keeps names that only resemble the denied ones", () => {
    const names = ["GITHUB_PATHS_DOC", "GH_PAGER", "TOKENIZERS_PARALLELISM", "REDIS_URL_DOCS"];
    const source = Object.fromEntries(names.map((n) => [n, "v"]));
    expect(buildAgentEnv(names, source, {})).toEqual(source);
  });

  it("rejects invalid names with their position", () => {
    expect(() => buildAgentEnv(["OK", "NOT-OK"], {}, {})).toThrow('env pass-through list entry 1 ("NOT-OK") is not a valid environment variable name');
    expect(() => buildAgentEnv([], {}, { "A=B": "x" })).toThrow('extra environment variable name "A=B" is not valid');
  });
});
