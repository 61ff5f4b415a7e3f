import { describe, expect, it } from "vitest";
import { redactQuotedText, redactSecrets } from "../../../src/util/redact.ts";
import { renderTrackingComment } from "../../../src/render/render-tracking-comment.ts";

// Documented example values reshuffled: random-looking, never real.
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY".replace("EXAMPLE", "Q3x9Zr1");
const PEM_BODY = [
  "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",
  "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu",
  "NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ",
].join("\n");

describe("redactQuotedText: agent output quoted in comments gets the high-entropy check", () => {
  it("masks a bare 40-character AWS secret access key, which redactSecrets alone keeps", () => {
    const text = `export AWS_KEY_FOR_TESTS\nusing ${AWS_SECRET} to sign the request\n`;
    expect(redactSecrets(text)).toContain(AWS_SECRET);
    const out = redactQuotedText(text);
    expect(out).not.toContain(AWS_SECRET);
    expect(out).toBe("export AWS_KEY_FOR_TESTS\nusing **** to sign the request\n");
  });

  it("masks a bare base64 PEM body (no BEGIN line)", () => {
    const out = redactQuotedText(`the key file holds:\n${PEM_BODY}\n`);
    for (const line of PEM_BODY.split("\n")) expect(out).not.toContain(line);
    expect(out).toBe("the key file holds:\n****\n****\n****\n");
  });

  it("still masks known values and provider formats, and is idempotent", () => {
    const once = redactQuotedText(`token ghp_abcdefghijklmnopqrstuvwxyz0123456789 and hunter2secret and ${AWS_SECRET}`, ["hunter2secret"]);
    expect(once).toBe("token ghp_**** and **** and ****");
    expect(redactQuotedText(once)).toBe(once);
  });

  it("keeps what agents print all the time: commit ids, digests, UUIDs, paths, identifiers, prose", () => {
    const text = [
      "[moderator/issue-7 3f9c2a1b4e5d6f708192a3b4c5d6e7f809a1b2c3] Add greet()",
      "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      "run 1b6f0c1e-93c5-4c44-9a39-3f0c8f0b9a11 finished",
      "src/components/UserProfileSettingsPanel/UserProfileSettingsPanel.test.tsx",
      "node_modules/@typescript-eslint/eslint-plugin/dist/rules/noUnnecessaryTypeAssertion.js",
      "ExtremelyLongJavaClassNameForAbstractSingletonProxyFactoryBean2",
      "All 42 tests passed in 3.2s.",
    ].join("\n");
    expect(redactQuotedText(text)).toBe(text);
  });

  it("the tracking comment of a failed run quotes the agent's output redacted", () => {
    const outputTail = redactQuotedText(`Error: request signed with ${AWS_SECRET} was refused\n${PEM_BODY}\n`);
    const body = renderTrackingComment({
      executionId: "1b6f0c1e-93c5-4c44-9a39-3f0c8f0b9a11",
      status: "failed",
      phases: [],
      error: { phase: "execute", message: "the agent exited with code 1", outputTail },
    });
    expect(body).not.toContain(AWS_SECRET);
    expect(body).not.toContain(PEM_BODY.split("\n")[1]);
  });
});
